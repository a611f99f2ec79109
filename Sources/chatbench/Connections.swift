import ArgumentParser

struct Connections: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open K idle WebSockets with one session cookie; time to upgrade them all and server RSS per connection.",
        discussion: """
            Example:
              chatbench connections --url http://127.0.0.1:8080 --pid 12345 \\
                  --label chatctl --count 2000 --timeout 180 --settle-max 60
            """)

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
