import Foundation

public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    public var read = 0
    public var inserted = 0
    public var duplicates = 0
    public var replaced = 0
    public var rejected = 0
    public var dryRun = false
    /// Set when --stop-on-error stopped the run, or the file's structure was broken.
    public var stopped: String?

    public init() {}

    public var description: String {
        if dryRun {
            return "dry run: \(read) read, \(read - rejected) valid, \(rejected) rejected; nothing was written"
        }
        return "\(read) read, \(inserted) inserted, \(duplicates) skipped as duplicates, \(replaced) replaced, \(rejected) rejected"
    }
}
