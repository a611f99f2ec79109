// chatbench: load generator for chatctl and the aiohttp baseline (issue 6).
// Human-readable table on stderr, one JSON object per run on stdout.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import NIOCore
import NIOPosix

struct ChatBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatbench",
        abstract: "Load generator for chatctl and the aiohttp baseline: fan-out, latency, idle connections, history.",
        subcommands: [Fanout.self, Latency.self, Connections.self, History.self, Seed.self, GenHistory.self, EchoServer.self]
    )
}

struct CommonOptions: ParsableArguments {
    @Option(help: "Server base URL (127.0.0.1 only).")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "Server PID: its CPU (/proc/PID/stat) and RSS (/proc/PID/status) are read before and after.")
    var pid: Int32 = 0

    @Option(help: "Label for the server in the output (e.g. baseline, chatctl).")
    var label: String = "server"

    @Option(help: "Prefix of the accounts this run signs up (a random suffix is added).")
    var userPrefix: String = "bench"
}

/// Signs up `count` fresh accounts (login, then log-in timing is separate); returns cookies and timings.
struct Accounts {
    var cookies: [String] = []
    var logins: [String] = []
    var signupSeconds: Double = 0
    var loginSeconds: Double = 0

    static func create(url: ServerURL, prefix: String, count: Int, alsoLogIn: Bool) throws -> Accounts {
        var a = Accounts()
        let tag = hexString(randomSeed(), width: 6)
        let client = HTTPClient(url: url)
        let t0 = monoNow()
        for i in 0..<count {
            let login = "\(prefix)_\(tag)_\(i)"
            // A fresh connection per account: a session cookie from one must not leak into the next.
            client.disconnect()
            a.cookies.append(try Auth.signUp(client, login: login))
            a.logins.append(login)
        }
        a.signupSeconds = Double(monoNow() - t0) / 1e9
        if alsoLogIn {
            let t1 = monoNow()
            a.cookies = []
            for login in a.logins {
                client.disconnect()
                a.cookies.append(try Auth.logIn(client, login: login))
            }
            a.loginSeconds = Double(monoNow() - t1) / 1e9
        }
        return a
    }
}

/// The options of the scenarios in which some clients send and all receive.
struct SendingOptions: ParsableArguments {
    @Option(help: "WebSocket clients.") var clients: Int = 100
    @Option(help: "Senders among them.") var senders: Int = 10
    @Option(help: "Seconds measured after warm-up.") var duration: Double = 10
    @Option(help: "Warm-up seconds.") var warmup: Double = 2
    @Option(help: "Seconds to wait for in-flight deliveries after sending stops.") var grace: Double = 5
    @Option(help: "Message size in bytes (the token is ~40; padded with x).") var size: Int = 0
    @Option(help: "Accounts to sign up (clients use them round-robin).") var users: Int = 10
    @Option(help: "Concurrent WebSocket handshakes while connecting.") var concurrency: Int = 32

    func validate() throws {
        guard clients >= 1, senders >= 1, senders <= clients else { throw ValidationError("need 1 ≤ senders ≤ clients") }
    }
}

/// The shared scaffolding of the WebSocket scenarios.
final class LoadRun {
    let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop
    let hub: Hub
    let pid: Int32

    init(url: ServerURL, cookies: [String], clients: Int, senders: Int, window: Int, payloadSize: Int, pid: Int32) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        hub = Hub(loop: loop, url: url, cookies: cookies, clients: clients, senders: senders, window: window, payloadSize: payloadSize)
        self.pid = pid
    }

    /// Signs up accounts (clients share them round-robin), upgrades every client or throws, and waits for the
    /// join broadcasts to die down: the set-up of the sending scenarios.
    static func connected(url: ServerURL, common: CommonOptions, load: SendingOptions, window: Int) throws
        -> (run: LoadRun, connectSeconds: Double, signupSeconds: Double)
    {
        let acc = try Accounts.create(url: url, prefix: common.userPrefix, count: max(1, min(load.users, load.clients)), alsoLogIn: false)
        let run = LoadRun(url: url, cookies: acc.cookies, clients: load.clients, senders: load.senders, window: window,
                          payloadSize: load.size, pid: common.pid)
        do {
            let (up, seconds) = try run.connectAll(concurrency: load.concurrency, timeout: 60)
            guard up == load.clients else {
                throw BenchFailure("only \(up)/\(load.clients) WebSockets upgraded: \(failureSummary(run.snapshot()))")
            }
            run.settle(quiet: 0.3, maxWait: 10)
            return (run, seconds, acc.signupSeconds)
        } catch {
            run.shutdown()
            throw error
        }
    }

    func snapshot() -> HubCounters {
        let hub = self.hub
        return try! loop.submit { () -> HubCounters in
            var c = hub.c
            c.now = monoNow()
            return c
        }.wait()
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        try! loop.submit(body).wait()
    }

    /// Opens all connections; returns (upgraded, seconds from first connect to last upgrade).
    func connectAll(concurrency: Int, timeout: Double) throws -> (Int, Double) {
        let hub = self.hub
        let t0 = monoNow()
        loop.execute { hub.startConnecting(concurrency: concurrency) }
        let deadline = t0 + Int64(timeout * 1e9)
        var s = snapshot()
        while s.upgraded + s.failed < hub.clientCount && monoNow() < deadline {
            sleepSeconds(0.02)
            s = snapshot()
        }
        let secs = s.upgraded > 0 ? Double(s.lastUpgradeNs - t0) / 1e9 : 0
        return (s.upgraded, secs)
    }

    /// Waits until no bytes arrived for `quiet` seconds, at most `maxWait`; returns seconds waited.
    @discardableResult
    func settle(quiet: Double, maxWait: Double) -> Double {
        let t0 = monoNow()
        while true {
            let s = snapshot()
            let now = monoNow()
            if Double(now - max(s.lastFrameNs, t0)) / 1e9 >= quiet || Double(now - t0) / 1e9 >= maxWait {
                return Double(now - t0) / 1e9
            }
            sleepSeconds(0.05)
        }
    }

    func proc() -> ProcSample? { ProcSample.read(pid: pid) }

    func shutdown() {
        let hub = self.hub
        loop.execute { hub.closeAll() }
        sleepSeconds(0.5)
        try? group.syncShutdownGracefully()
    }
}

func failureSummary(_ c: HubCounters) -> String {
    c.failureReasons.sorted { $0.value > $1.value }.prefix(3).map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
}

struct WindowResult {
    var start: HubCounters
    var end: HubCounters
    var final: HubCounters
    var serverCPU: Int64?       // µs during the window
    var rssBefore: Int64?
    var rssAfter: Int64?
    var genCPU: Int64           // µs during the window
    var lost: Int64
    var graceUsed: Double
    var seconds: Double { Double(end.now - start.now) / 1e9 }
    var deliveries: Int64 { end.uniqueDeliveries - start.uniqueDeliveries }
    var messages: Int64 { end.messagesSent - start.messagesSent }
    var frames: Int64 { end.framesReceived - start.framesReceived }
    var reads: Int64 { end.reads - start.reads }
}

/// Common measurement: warm-up, a window with CPU readings at both ends, stop, grace period.
func measureWindow(_ run: LoadRun, warmup: Double, duration: Double, grace: Double, start: () -> Void, stop: () -> Void) -> WindowResult {
    start()
    sleepSeconds(warmup)
    let p0 = run.proc()
    let g0 = selfCPUMicros()
    let s0 = run.snapshot()
    sleepSeconds(duration)
    let s1 = run.snapshot()
    let g1 = selfCPUMicros()
    let p1 = run.proc()
    stop()
    let hub = run.hub
    let t0 = monoNow()
    var lost = run.onLoop { hub.lostCount() }
    while lost > 0 && Double(monoNow() - t0) / 1e9 < grace {
        sleepSeconds(0.05)
        lost = run.onLoop { hub.lostCount() }
    }
    let graceUsed = Double(monoNow() - t0) / 1e9
    let fin = run.snapshot()
    var cpu: Int64? = nil
    if let p0, let p1 { cpu = p1.cpuMicros - p0.cpuMicros }
    return WindowResult(start: s0, end: s1, final: fin, serverCPU: cpu, rssBefore: p0?.rssKB, rssAfter: p1?.rssKB,
                        genCPU: g1 - g0, lost: lost, graceUsed: graceUsed)
}

/// A value only touched on the event loop.
final class LoopBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}

func emit(_ title: String, _ rows: [(String, String)], _ json: [(String, JSON)]) {
    printTable(title: title, rows: rows)
    writeStdout(JSON.object(json).text + "\n")
}

func optInt(_ v: Int64?) -> JSON { v.map { .int($0) } ?? .null }
func optDouble(_ v: Double?) -> JSON { v.map { .double($0) } ?? .null }

// MARK: - fanout

struct Fanout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "N clients, S senders sending as fast as the server sustains (window of unacknowledged messages).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var load: SendingOptions
    @Option(help: "Unacknowledged messages per sender (acknowledged when the sender receives its own message).")
    var window: Int = 32
    @Option(help: "Scenario name in the output.") var scenario: String = "fanout"

    func run() throws {
        raiseFileLimit()
        let url = try ServerURL(common.url)
        guard window >= 1 else { throw ValidationError("need window ≥ 1") }
        let (run, connectSecs, signupSecs) = try LoadRun.connected(url: url, common: common, load: load, window: window)
        defer { run.shutdown() }
        let hub = run.hub
        let r = measureWindow(run, warmup: load.warmup, duration: load.duration, grace: load.grace,
                              start: { run.onLoop { hub.startWindowed() } },
                              stop: { run.onLoop { hub.sending = false } })
        let secs = r.seconds
        let dps = Double(r.deliveries) / secs
        let mps = Double(r.messages) / secs
        let cpuPerDelivery = r.serverCPU.map { Double($0) / Double(max(r.deliveries, 1)) }
        let cpuPerKMsg = r.serverCPU.map { Double($0) / 1000.0 / Double(max(r.messages, 1)) * 1000.0 }
        let genUtil = Double(r.genCPU) / 1e6 / secs
        let rows: [(String, String)] = [
            ("server", "\(common.label) \(common.url) pid \(common.pid)"),
            ("clients / senders / window", "\(load.clients) / \(load.senders) / \(window)"),
            ("connect (s)", fmt(connectSecs, 3)),
            ("window (s)", fmt(secs, 2)),
            ("messages/s", fmt(mps, 0)),
            ("deliveries/s", fmt(dps, 0)),
            ("messages sent (total)", "\(r.final.messagesSent)"),
            ("lost (after \(fmt(r.graceUsed, 1)) s grace)", "\(r.lost)"),
            ("duplicates", "\(r.final.duplicates)"),
            ("error frames / closed by server", "\(r.final.errorFrames) / \(r.final.closedAfterUpgrade)"),
            ("server CPU µs/delivery", cpuPerDelivery.map { fmt($0, 3) } ?? "-"),
            ("server CPU ms/1000 messages", cpuPerKMsg.map { fmt($0, 2) } ?? "-"),
            ("server CPU cores used", r.serverCPU.map { fmt(Double($0) / 1e6 / secs, 2) } ?? "-"),
            ("server RSS KB before/after", "\(r.rssBefore ?? 0) / \(r.rssAfter ?? 0)"),
            ("generator CPU (cores)", fmt(genUtil, 2)),
            ("generator frames/read", fmt(Double(r.frames) / Double(max(r.reads, 1)), 1)),
        ]
        emit("\(scenario): \(common.label)", rows, [
            ("scenario", .string(scenario)), ("label", .string(common.label)), ("url", .string(common.url)),
            ("clients", .int(Int64(load.clients))), ("senders", .int(Int64(load.senders))), ("window", .int(Int64(window))),
            ("size", .int(Int64(load.size))),
            ("connect_s", .double(connectSecs)), ("duration_s", .double(secs)),
            ("messages", .int(r.messages)), ("messages_per_s", .double(mps)),
            ("deliveries", .int(r.deliveries)), ("deliveries_per_s", .double(dps)),
            ("messages_total", .int(r.final.messagesSent)), ("lost", .int(r.lost)),
            ("duplicates", .int(r.final.duplicates)), ("error_frames", .int(r.final.errorFrames)),
            ("closed_by_server", .int(Int64(r.final.closedAfterUpgrade))), ("grace_used_s", .double(r.graceUsed)),
            ("server_cpu_s", optDouble(r.serverCPU.map { Double($0) / 1e6 })),
            ("server_cpu_us_per_delivery", optDouble(cpuPerDelivery)),
            ("server_cpu_s_per_million_deliveries", optDouble(cpuPerDelivery)),
            ("server_cpu_ms_per_1000_messages", optDouble(cpuPerKMsg)),
            ("server_rss_kb_before", optInt(r.rssBefore)), ("server_rss_kb_after", optInt(r.rssAfter)),
            ("gen_cpu_s", .double(Double(r.genCPU) / 1e6)), ("gen_cpu_cores", .double(genUtil)),
            ("gen_frames_per_read", .double(Double(r.frames) / Double(max(r.reads, 1)))),
            ("signup_s", .double(signupSecs)),
        ])
    }
}

// MARK: - latency

struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "N clients, S senders at a fixed rate each; delivery latency percentiles (monotonic clock).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var load: SendingOptions
    @Option(help: "Messages per second per sender.") var rate: Double = 100

    func run() throws {
        raiseFileLimit()
        let url = try ServerURL(common.url)
        guard rate > 0, rate <= 100_000 else { throw ValidationError("need 0 < rate ≤ 100000") }
        let (run, _, _) = try LoadRun.connected(url: url, common: common, load: load, window: Int.max / 4)
        defer { run.shutdown() }
        let hub = run.hub
        let loop = run.loop
        let period = Int64(1e9 / rate)
        let senderCount = load.senders
        let tasks = LoopBox<[RepeatedTask]>([])
        let r = measureWindow(run, warmup: load.warmup, duration: load.duration, grace: load.grace, start: {
            // Fixed rate (no drift): a 1 ms ticker sends every message that is due by now.
            run.onLoop {
                hub.sending = true
                let t0 = monoNow()
                var due = (0..<senderCount).map { t0 + period * Int64($0) / Int64(senderCount) }
                let t = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
                    let now = monoNow()
                    for s in 0..<senderCount {
                        var k = 0
                        while due[s] <= now && k < 1000 {
                            hub.sendOne(sender: s)
                            due[s] += period
                            k += 1
                        }
                    }
                }
                tasks.value = [t]
            }
            // Record the latency of messages sent during the measured window only.
            let from = monoNow() + Int64(load.warmup * 1e9)
            let to = from + Int64(load.duration * 1e9)
            run.onLoop { hub.recordFrom = from; hub.recordTo = to }
        }, stop: {
            run.onLoop {
                hub.sending = false
                tasks.value.forEach { $0.cancel() }
            }
        })
        var lat = run.onLoop { hub.latencies }
        lat.sort()
        let us = { (v: Int64) in Double(v) / 1000.0 }
        let p50 = us(percentile(lat, 50)), p90 = us(percentile(lat, 90)), p99 = us(percentile(lat, 99))
        let p999 = us(percentile(lat, 99.9)), mx = us(lat.last ?? 0)
        let mean = lat.isEmpty ? 0 : us(lat.reduce(0, +) / Int64(lat.count))
        let secs = r.seconds
        let cpuPerDelivery = r.serverCPU.map { Double($0) / Double(max(r.deliveries, 1)) }
        let genUtil = Double(r.genCPU) / 1e6 / secs
        let rows: [(String, String)] = [
            ("server", "\(common.label) \(common.url) pid \(common.pid)"),
            ("clients / senders / rate", "\(load.clients) / \(load.senders) / \(fmt(rate, 0)) msg/s each"),
            ("messages/s, deliveries/s", "\(fmt(Double(r.messages) / secs, 0)), \(fmt(Double(r.deliveries) / secs, 0))"),
            ("samples", "\(lat.count)"),
            ("latency p50 / p90 / p99 (ms)", "\(fmt(p50 / 1000, 3)) / \(fmt(p90 / 1000, 3)) / \(fmt(p99 / 1000, 3))"),
            ("latency p99.9 / max / mean (ms)", "\(fmt(p999 / 1000, 3)) / \(fmt(mx / 1000, 3)) / \(fmt(mean / 1000, 3))"),
            ("undelivered after \(fmt(r.graceUsed, 1)) s grace / duplicates", "\(r.lost) / \(r.final.duplicates)"),
            ("server CPU µs/delivery", cpuPerDelivery.map { fmt($0, 3) } ?? "-"),
            ("server CPU cores used", r.serverCPU.map { fmt(Double($0) / 1e6 / secs, 2) } ?? "-"),
            ("generator CPU (cores)", fmt(genUtil, 3)),
        ]
        emit("latency: \(common.label)", rows, [
            ("scenario", .string("latency")), ("label", .string(common.label)), ("url", .string(common.url)),
            ("clients", .int(Int64(load.clients))), ("senders", .int(Int64(load.senders))), ("rate_per_sender", .double(rate)),
            ("duration_s", .double(secs)), ("messages", .int(r.messages)), ("deliveries", .int(r.deliveries)),
            ("deliveries_per_s", .double(Double(r.deliveries) / secs)),
            ("samples", .int(Int64(lat.count))),
            ("p50_us", .double(p50)), ("p90_us", .double(p90)), ("p99_us", .double(p99)), ("p999_us", .double(p999)),
            ("max_us", .double(mx)), ("mean_us", .double(mean)),
            ("lost", .int(r.lost)), ("duplicates", .int(r.final.duplicates)), ("error_frames", .int(r.final.errorFrames)),
            ("server_cpu_s", optDouble(r.serverCPU.map { Double($0) / 1e6 })),
            ("server_cpu_us_per_delivery", optDouble(cpuPerDelivery)),
            ("gen_cpu_s", .double(Double(r.genCPU) / 1e6)), ("gen_cpu_cores", .double(genUtil)),
        ])
    }
}

// MARK: - connections

struct Connections: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open K idle WebSockets with one session cookie; time to upgrade them all and server RSS per connection.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Idle WebSockets to open.") var count: Int = 2000
    @Option(help: "Concurrent handshakes.") var concurrency: Int = 64
    @Option(help: "Give up connecting after this many seconds.") var timeout: Double = 120
    @Option(help: "After the last upgrade, wait until the server has been silent this long (join broadcasts) before reading RSS.")
    var quiet: Double = 1
    @Option(help: "…but at most this many seconds.") var settleMax: Double = 120
    @Option(help: "Accounts (connections share their cookies round-robin).") var users: Int = 1

    func run() throws {
        let limit = raiseFileLimit()
        if UInt64(count) + 64 > limit {
            log("warning: RLIMIT_NOFILE is \(limit); \(count) connections will not all open")
        }
        let url = try ServerURL(common.url)
        let acc = try Accounts.create(url: url, prefix: common.userPrefix, count: max(1, users), alsoLogIn: true)
        let run = LoadRun(url: url, cookies: acc.cookies, clients: count, senders: 0, window: 1, payloadSize: 0, pid: common.pid)
        defer { run.shutdown() }
        sleepSeconds(0.5)
        let before = run.proc()
        let (up, secs) = try run.connectAll(concurrency: concurrency, timeout: timeout)
        let settled = run.settle(quiet: quiet, maxWait: settleMax)
        let after = run.proc()
        let s = run.snapshot()
        var perConn: Double? = nil
        if let before, let after, up > 0 { perConn = Double(after.rssKB - before.rssKB) * 1024 / Double(up) }
        let rows: [(String, String)] = [
            ("server", "\(common.label) \(common.url) pid \(common.pid)"),
            ("connections upgraded / asked", "\(up) / \(count)" + (s.failed > 0 ? " (failed: \(failureSummary(s)))" : "")),
            ("sign-up / log-in (s)", "\(fmt(acc.signupSeconds, 4)) / \(fmt(acc.loginSeconds, 4)) for \(acc.logins.count) user(s)"),
            ("time to upgrade all (s)", fmt(secs, 3)),
            ("upgrades/s", fmt(Double(up) / max(secs, 1e-9), 0)),
            ("settle until quiet (s)", fmt(settled, 2)),
            ("frames received (join broadcasts)", "\(s.framesReceived)"),
            ("server RSS KB before / after", "\(before?.rssKB ?? 0) / \(after?.rssKB ?? 0)"),
            ("server RSS per connection (KB)", perConn.map { fmt($0 / 1024, 2) } ?? "-"),
            ("closed by server", "\(s.closedAfterUpgrade)"),
        ]
        emit("connections: \(common.label)", rows, [
            ("scenario", .string("connections")), ("label", .string(common.label)), ("url", .string(common.url)),
            ("asked", .int(Int64(count))), ("upgraded", .int(Int64(up))), ("failed", .int(Int64(s.failed))),
            ("failure", .string(failureSummary(s))),
            ("signup_s", .double(acc.signupSeconds)), ("login_s", .double(acc.loginSeconds)), ("users", .int(Int64(acc.logins.count))),
            ("upgrade_all_s", .double(secs)), ("upgrades_per_s", .double(Double(up) / max(secs, 1e-9))),
            ("settle_s", .double(settled)), ("frames_received", .int(s.framesReceived)),
            ("server_rss_kb_before", optInt(before?.rssKB)), ("server_rss_kb_after", optInt(after?.rssKB)),
            ("server_rss_bytes_per_connection", optDouble(perConn)),
            ("server_threads", optInt(after?.threads)),
            ("closed_by_server", .int(Int64(s.closedAfterUpgrade))),
        ])
    }
}

// MARK: - history

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time GET requests with a session cookie (default: / and /api/messages?limit=100).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Timed requests per path.") var requests: Int = 100
    @Option(help: "Untimed requests per path first (a fresh server's first requests fault pages in).") var warmupRequests: Int = 20
    @Option(parsing: .upToNextOption, help: "Paths to time.") var paths: [String] = ["/", "/api/messages?limit=100"]
    @Option(help: "Give up on a path after this many seconds.") var timeout: Double = 120
    @Option(help: "Note stored with the result (e.g. the number of stored messages).") var stored: Int = -1

    func run() throws {
        guard requests >= 1, warmupRequests >= 0 else { throw ValidationError("need --requests ≥ 1 and --warmup-requests ≥ 0") }
        let url = try ServerURL(common.url)
        let acc = try Accounts.create(url: url, prefix: common.userPrefix, count: 1, alsoLogIn: false)
        let cookie = acc.cookies[0]
        var results: [JSON] = []
        var rows: [(String, String)] = [("server", "\(common.label) \(common.url)"), ("stored messages", stored >= 0 ? "\(stored)" : "?")]
        let before = ProcSample.read(pid: common.pid)
        for path in paths {
            let client = HTTPClient(url: url)
            var times: [Int64] = []
            var status = 0, bytes = 0
            let t0 = monoNow()
            var n = 0
            while n < requests + warmupRequests {
                let a = monoNow()
                let resp = try client.request("GET", path, headers: [("Cookie", cookie)])
                let b = monoNow()
                status = resp.status
                bytes = resp.body.count
                if n >= warmupRequests { times.append(b - a) }
                n += 1
                if status != 200 { break }
                if Double(b - t0) / 1e9 > timeout { break }
            }
            times.sort()
            let ms = { (v: Int64) in Double(v) / 1e6 }
            rows.append(("GET \(path)", "status \(status), \(bytes) B, n=\(times.count): p50 \(fmt(ms(percentile(times, 50)), 3)) ms, p99 \(fmt(ms(percentile(times, 99)), 3)) ms, max \(fmt(ms(times.last ?? 0), 3)) ms"))
            results.append(.object([
                ("path", .string(path)), ("status", .int(Int64(status))), ("bytes", .int(Int64(bytes))),
                ("n", .int(Int64(times.count))),
                ("p50_ms", .double(ms(percentile(times, 50)))), ("p99_ms", .double(ms(percentile(times, 99)))),
                ("max_ms", .double(ms(times.last ?? 0))),
                ("mean_ms", .double(times.isEmpty ? 0 : ms(times.reduce(0, +) / Int64(times.count)))),
            ]))
        }
        let after = ProcSample.read(pid: common.pid)
        rows.append(("server RSS KB before / after / peak", "\(before?.rssKB ?? 0) / \(after?.rssKB ?? 0) / \(after?.hwmKB ?? 0)"))
        emit("history: \(common.label)", rows, [
            ("scenario", .string("history")), ("label", .string(common.label)), ("url", .string(common.url)),
            ("stored", .int(Int64(stored))), ("paths", .array(results)),
            ("server_rss_kb_before", optInt(before?.rssKB)), ("server_rss_kb_after", optInt(after?.rssKB)),
            ("server_rss_kb_peak", optInt(after?.hwmKB)),
        ])
    }
}

// MARK: - seed

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store N messages through the WebSocket (one client, windowed) — for servers without an import command.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Messages to send.") var messages: Int = 10_000
    @Option(help: "Unacknowledged messages in flight.") var window: Int = 64
    @Option(help: "Message size in bytes.") var size: Int = 60
    @Option(help: "Give up after this many seconds.") var timeout: Double = 600

    func run() throws {
        let url = try ServerURL(common.url)
        let acc = try Accounts.create(url: url, prefix: common.userPrefix, count: 1, alsoLogIn: false)
        let run = LoadRun(url: url, cookies: acc.cookies, clients: 1, senders: 1, window: window, payloadSize: size, pid: common.pid)
        defer { run.shutdown() }
        let (up, _) = try run.connectAll(concurrency: 1, timeout: 30)
        guard up == 1 else { throw BenchFailure("WebSocket did not upgrade: \(failureSummary(run.snapshot()))") }
        let hub = run.hub
        let total = messages
        let p0 = run.proc()
        let t0 = monoNow()
        run.onLoop { hub.messageLimit = total; hub.startWindowed() }
        var s = run.snapshot()
        while s.uniqueDeliveries < Int64(total) && Double(monoNow() - t0) / 1e9 < timeout {
            sleepSeconds(0.05)
            s = run.snapshot()
        }
        let secs = Double(monoNow() - t0) / 1e9
        let p1 = run.proc()
        let cpu = (p0 != nil && p1 != nil) ? Double(p1!.cpuMicros - p0!.cpuMicros) / 1e6 : nil
        emit("seed: \(common.label)", [
            ("stored (acknowledged) / asked", "\(s.uniqueDeliveries) / \(total)"),
            ("seconds", fmt(secs, 2)), ("messages/s", fmt(Double(s.uniqueDeliveries) / secs, 0)),
            ("server CPU ms/1000 messages", cpu.map { fmt($0 * 1e6 / Double(max(s.uniqueDeliveries, 1)), 2) } ?? "-"),
        ], [
            ("scenario", .string("seed")), ("label", .string(common.label)), ("messages", .int(s.uniqueDeliveries)),
            ("asked", .int(Int64(total))), ("seconds", .double(secs)),
            ("messages_per_s", .double(Double(s.uniqueDeliveries) / secs)),
            ("server_cpu_s", optDouble(cpu)),
            ("server_cpu_ms_per_1000_messages", optDouble(cpu.map { $0 * 1e6 / Double(max(s.uniqueDeliveries, 1)) })),
        ])
        if s.uniqueDeliveries < Int64(total) { throw BenchFailure("seeding timed out") }
    }
}

// MARK: - gen-history

struct GenHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-history",
        abstract: "Write N messages as MongoDB Extended JSON lines (mongoexport format) for `chatctl history import`.")

    @Option(help: "Messages to generate.") var count: Int = 1_000_000
    @Option(help: "Distinct user logins.") var users: Int = 20
    @Option(help: "Output file (- for stdout).") var out: String = "-"

    func run() throws {
        guard let f = out == "-" ? fdopen(1, "w") : fopen(out, "w") else { throw BenchFailure("cannot write \(out)") }
        defer { fclose(f) }
        var rng = XorShift(seed: randomSeed())
        let machine = hexString(rng.next(), width: 10)
        // Timestamps 1 s apart ending now, so the newest page is "recent".
        let endMs = wallNow() / 1_000_000
        let startMs = endMs - Int64(count) * 1000
        var line = [UInt8]()
        line.reserveCapacity(256)
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 20)
        for i in 0..<count {
            let ms = startMs + Int64(i) * 1000
            let oid = hexString(UInt64(ms / 1000), width: 8) + machine + hexString(UInt64(i & 0xFFFFFF), width: 6)
            let user = "user\(i % max(users, 1))"
            let text = "history message \(i) lorem ipsum dolor sit amet"
            let s = "{\"_id\":{\"$oid\":\"\(oid)\"},\"user\":\"\(user)\",\"msg\":\"\(text)\",\"time\":{\"$date\":\"\(isoDate(ms))\"}}\n"
            buffer.append(contentsOf: s.utf8)
            if buffer.count > (1 << 20) - 512 {
                _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    }
}

/// "2026-11-24T19:00:00.123Z" from epoch milliseconds (proleptic Gregorian, UTC).
func isoDate(_ ms: Int64) -> String {
    let secs = ms / 1000, milli = Int(ms % 1000)
    var days = secs / 86400
    let rem = Int(secs % 86400)
    days += 719468
    let era = days / 146097
    let doe = days - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    var y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    if m <= 2 { y += 1 }
    func p(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
    return "\(p(Int(y), 4))-\(p(Int(m), 2))-\(p(Int(d), 2))T\(p(rem / 3600, 2)):\(p(rem / 60 % 60, 2)):\(p(rem % 60, 2)).\(p(milli, 3))Z"
}

do {
    var command = try ChatBench.parseAsRoot()
    try command.run()
} catch let e as BenchFailure {
    log("error: \(e.description)")
    exit(1)
} catch {
    ChatBench.exit(withError: error)
}
