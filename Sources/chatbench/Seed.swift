import ArgumentParser

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store N messages through the WebSocket (one client, windowed) — for servers without an import command.",
        discussion: """
            Example:
              chatbench seed --url http://127.0.0.1:8080 --messages 10000 --window 256
            """)

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
        let cpuPerKMsg = cpu.map { $0 * 1e6 / Double(max(s.uniqueDeliveries, 1)) }
        emit("seed: \(common.label)", [
            ("stored (acknowledged) / asked", "\(s.uniqueDeliveries) / \(total)"),
            ("seconds", fmt(secs, 2)), ("messages/s", fmt(Double(s.uniqueDeliveries) / secs, 0)),
            ("server CPU ms/1000 messages", cpuPerKMsg.map { fmt($0, 2) } ?? "-"),
        ], [
            ("scenario", .string("seed")), ("label", .string(common.label)), ("messages", .int(s.uniqueDeliveries)),
            ("asked", .int(Int64(total))), ("seconds", .double(secs)),
            ("messages_per_s", .double(Double(s.uniqueDeliveries) / secs)),
            ("server_cpu_s", optDouble(cpu)),
            ("server_cpu_ms_per_1000_messages", optDouble(cpuPerKMsg)),
        ])
        if s.uniqueDeliveries < Int64(total) { throw BenchFailure("seeding timed out") }
    }
}
