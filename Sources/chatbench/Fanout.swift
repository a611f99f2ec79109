import ArgumentParser

struct Fanout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "N clients, S senders sending as fast as the server sustains (window of unacknowledged messages).",
        discussion: """
            Example:
              chatbench fanout --url http://127.0.0.1:8080 --pid 12345 --label chatctl \\
                  --clients 100 --senders 10 --window 128 --duration 10 --warmup 2
            """)

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
        let cpuPerDelivery = r.serverCPUPerDelivery
        let cpuPerKMsg = r.serverCPU.map { Double($0) / 1000.0 / Double(max(r.messages, 1)) * 1000.0 }
        let genUtil = r.generatorCores
        let framesPerRead = Double(r.frames) / Double(max(r.reads, 1))
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
            ("server CPU cores used", r.serverCores.map { fmt($0, 2) } ?? "-"),
            ("server RSS KB before/after", "\(r.rssBefore ?? 0) / \(r.rssAfter ?? 0)"),
            ("generator CPU (cores)", fmt(genUtil, 2)),
            ("generator frames/read", fmt(framesPerRead, 1)),
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
            ("server_cpu_s", optDouble(r.serverCPUSeconds)),
            ("server_cpu_us_per_delivery", optDouble(cpuPerDelivery)),
            ("server_cpu_s_per_million_deliveries", optDouble(cpuPerDelivery)),
            ("server_cpu_ms_per_1000_messages", optDouble(cpuPerKMsg)),
            ("server_rss_kb_before", optInt(r.rssBefore)), ("server_rss_kb_after", optInt(r.rssAfter)),
            ("gen_cpu_s", .double(r.generatorCPUSeconds)), ("gen_cpu_cores", .double(genUtil)),
            ("gen_frames_per_read", .double(framesPerRead)),
            ("signup_s", .double(signupSecs)),
        ])
    }
}
