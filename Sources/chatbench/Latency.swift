import ArgumentParser
import NIOCore

struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "N clients, S senders at a fixed rate each; delivery latency percentiles (monotonic clock).",
        discussion: """
            Example:
              chatbench latency --url http://127.0.0.1:8080 --pid 12345 --label chatctl \\
                  --clients 100 --senders 10 --rate 100 --duration 10 --warmup 2
            """)

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
                // Each sender's next send time, kept across ticks: the ticker runs on this loop, so a LoopBox.
                let due = LoopBox((0..<senderCount).map { t0 + period * Int64($0) / Int64(senderCount) })
                let t = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
                    let now = monoNow()
                    for s in 0..<senderCount {
                        var k = 0
                        while due.value[s] <= now && k < 1000 {
                            hub.sendOne(sender: s)
                            due.value[s] += period
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
        let cpuPerDelivery = r.serverCPUPerDelivery
        let genUtil = r.generatorCores
        let rows: [(String, String)] = [
            ("server", "\(common.label) \(common.url) pid \(common.pid)"),
            ("clients / senders / rate", "\(load.clients) / \(load.senders) / \(fmt(rate, 0)) msg/s each"),
            ("messages/s, deliveries/s", "\(fmt(Double(r.messages) / secs, 0)), \(fmt(Double(r.deliveries) / secs, 0))"),
            ("samples", "\(lat.count)"),
            ("latency p50 / p90 / p99 (ms)", "\(fmt(p50 / 1000, 3)) / \(fmt(p90 / 1000, 3)) / \(fmt(p99 / 1000, 3))"),
            ("latency p99.9 / max / mean (ms)", "\(fmt(p999 / 1000, 3)) / \(fmt(mx / 1000, 3)) / \(fmt(mean / 1000, 3))"),
            ("undelivered after \(fmt(r.graceUsed, 1)) s grace / duplicates", "\(r.lost) / \(r.final.duplicates)"),
            ("server CPU µs/delivery", cpuPerDelivery.map { fmt($0, 3) } ?? "-"),
            ("server CPU cores used", r.serverCores.map { fmt($0, 2) } ?? "-"),
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
            ("server_cpu_s", optDouble(r.serverCPUSeconds)),
            ("server_cpu_us_per_delivery", optDouble(cpuPerDelivery)),
            ("gen_cpu_s", .double(r.generatorCPUSeconds)), ("gen_cpu_cores", .double(genUtil)),
        ])
    }
}
