import ChatModel
import ChatStorage
import Foundation

/// Reads documents from a stream, validates each, and writes them in batches through `importMessages`.
/// Insert mode keeps existing `_id`s (a document whose `_id` is stored, or came earlier in the same file, is a
/// duplicate), so running an import again, or resuming an interrupted one, ends with the same history.
public struct HistoryImporter: Sendable {
    public var options: ImportOptions

    public init(options: ImportOptions) {
        self.options = options
    }

    /// `store` may be nil for a dry run. `report` is called for each of the first `maxReportedProblems` problems.
    public func run(stream: DocumentStream, store: (any ChatStore)?, report: (ImportProblem) -> Void,
                    progress: (ImportSummary) -> Void = { _ in }) async throws -> ImportSummary {
        var summary = ImportSummary()
        summary.dryRun = options.dryRun
        var batch: [ChatMessage] = []
        batch.reserveCapacity(options.batchSize)
        var reported = 0

        // One batch is written while the next is parsed; batches still reach the store one after another, in order.
        var inFlight: Task<ImportOutcome, any Error>?
        func settle() async throws {
            guard let task = inFlight else { return }
            inFlight = nil
            let outcome = try await task.value
            summary.inserted += outcome.inserted
            summary.duplicates += outcome.duplicates
            summary.replaced += outcome.replaced
            progress(summary)
        }
        func flush(last: Bool = false) async throws {
            try await settle()
            if !batch.isEmpty, !options.dryRun, let store {
                let messages = batch
                let mode = options.mode
                inFlight = Task { try await store.importMessages(messages, mode: mode) }
            }
            batch.removeAll(keepingCapacity: true)
            if last { try await settle() }
        }
        defer { inFlight?.cancel() }

        while true {
            let raw: RawDocument
            do {
                guard let next = try stream.next() else { break }
                raw = next
            } catch let error as DocumentStreamError {
                try await flush(last: true)
                summary.stopped = error.description
                return summary
            }
            summary.read += 1
            // A document the stream could not cut out and one that is not a message are rejected alike.
            let parsed: Result<ChatMessage, MessageDocumentReader.Rejection>
            switch raw.result {
            case .failure(let problem):
                parsed = .failure(MessageDocumentReader.Rejection(problem.description))
            case .success(let bytes):
                parsed = Result { () throws(MessageDocumentReader.Rejection) in try options.document.message(from: bytes) }
            }
            let message: ChatMessage
            switch parsed {
            case .success(let parsedMessage):
                message = parsedMessage
            case .failure(let rejection):
                summary.rejected += 1
                if reported < options.maxReportedProblems { report(ImportProblem(line: raw.line, document: raw.index, reason: rejection.reason)) }
                reported += 1
                if options.stopOnError {
                    try await flush(last: true)
                    summary.stopped = "line \(raw.line): \(rejection.reason)"
                    return summary
                }
                continue
            }
            batch.append(message)
            if batch.count >= options.batchSize { try await flush() }
            if options.dryRun, summary.read % options.batchSize == 0 { progress(summary) }
        }
        try await flush(last: true)
        return summary
    }
}

// MARK: round trip
