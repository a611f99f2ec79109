struct HubCounters: Sendable {
    var now: Int64 = 0
    var messagesSent: Int64 = 0
    var uniqueDeliveries: Int64 = 0
    var duplicates: Int64 = 0
    var foreignTokens: Int64 = 0
    var otherFrames: Int64 = 0
    var errorFrames: Int64 = 0
    var framesReceived: Int64 = 0
    var bytesReceived: Int64 = 0
    var reads: Int64 = 0
    var upgraded: Int = 0
    var failed: Int = 0
    var closedAfterUpgrade: Int = 0
    var attempted: Int = 0
    var lastUpgradeNs: Int64 = 0
    var lastFrameNs: Int64 = 0
    var failureReasons: [String: Int] = [:]
}

func failureSummary(_ c: HubCounters) -> String {
    c.failureReasons.sorted { $0.value > $1.value }.prefix(3).map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
}
