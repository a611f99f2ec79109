import ChatModel
import Foundation

public struct ImportOptions: Sendable {
    public var mode: ImportMode
    public var stopOnError: Bool
    public var dryRun: Bool
    public var batchSize: Int
    public var document: MessageDocumentReader
    public var maxDocumentBytes: Int
    /// How many problems are printed one by one; the rest are only counted.
    public var maxReportedProblems: Int

    public init(mode: ImportMode = .insert, stopOnError: Bool = false, dryRun: Bool = false, batchSize: Int = 1000,
                document: MessageDocumentReader = MessageDocumentReader(), maxDocumentBytes: Int = DocumentStream.defaultMaxDocumentBytes,
                maxReportedProblems: Int = 100) {
        self.mode = mode
        self.stopOnError = stopOnError
        self.dryRun = dryRun
        self.batchSize = batchSize
        self.document = document
        self.maxDocumentBytes = maxDocumentBytes
        self.maxReportedProblems = maxReportedProblems
    }
}
