import ArgumentParser

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time GET requests with a session cookie (default: / and /api/messages?limit=100).",
        discussion: """
            Example (after `chatbench seed --messages 100`):
              chatbench history --url http://127.0.0.1:8080 --pid 12345 \\
                  --label chatctl --requests 300 --stored 100
            """)

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
