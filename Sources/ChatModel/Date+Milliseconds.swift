import Foundation

extension Date {
    public init(millisecondsSince1970 ms: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(ms) / 1000)
    }

    /// Clamped to what a BSON date holds, so a hostile date cannot trap the conversion.
    public var millisecondsSince1970: Int64 {
        let ms = (timeIntervalSince1970 * 1000).rounded()
        guard ms.isFinite else { return 0 }
        return Int64(exactly: ms) ?? (ms < 0 ? Int64.min / 2 : Int64.max / 2)
    }
}
