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

    // The CPU figures fanout and latency both report.
    var serverCPUSeconds: Double? { serverCPU.map { Double($0) / 1e6 } }
    var serverCores: Double? { serverCPU.map { Double($0) / 1e6 / seconds } }
    var serverCPUPerDelivery: Double? { serverCPU.map { Double($0) / Double(max(deliveries, 1)) } }   // µs
    var generatorCPUSeconds: Double { Double(genCPU) / 1e6 }
    var generatorCores: Double { Double(genCPU) / 1e6 / seconds }
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

/// Percentile of a sorted array (nearest rank).
func percentile(_ sorted: [Int64], _ p: Double) -> Int64 {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100.0 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
