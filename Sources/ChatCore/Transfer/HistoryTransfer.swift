import Foundation

/// `--since` / `--until` values: an ISO-8601 date or time (`2026-11-24`, `2026-11-24T19:00:00Z`,
/// `2026-11-24T20:00:00+01:00`), or an age counted back from now (`90s`, `15m`, `24h`, `7d`, `2w`).
public enum TimeSpec {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let ms = ExtendedJSON.parseISODate(trimmed) { return Date(millisecondsSince1970: ms) }
        if let last = trimmed.last, last.isLetter, let seconds = DurationParser.seconds(trimmed) {
            return Date(millisecondsSince1970: now.millisecondsSince1970 - seconds * 1000)
        }
        return nil
    }

    public static let help = "an ISO-8601 date or time (2026-11-24, 2026-11-24T19:00:00Z) or an age like 90s, 15m, 24h, 7d, 2w"
}

/// A one-line progress report for a terminal: count, rate and, when the total is known, percent and ETA.
public struct ProgressLine: Sendable {
    public var verb: String
    public var total: Int?
    public let start: ContinuousClock.Instant

    public init(verb: String, total: Int?, start: ContinuousClock.Instant = .now) {
        self.verb = verb
        self.total = total
        self.start = start
    }

    /// `fraction`: how much of the input is done (bytes read / file size) when the count of items is unknown.
    public func render(count: Int, fraction: Double? = nil, now: ContinuousClock.Instant = .now) -> String {
        let elapsed = max(0.001, Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds))
        let rate = Double(count) / elapsed
        var text = "\(verb) \(count)"
        if let total, total > 0 {
            text += " of \(total) (\(min(100, count * 100 / total))%)"
        } else if let fraction, fraction > 0 {
            text += " (\(min(100, Int(fraction * 100)))%)"
        }
        text += String(format: ", %.0f/s", rate)
        if let total, total > count, rate > 0 {
            text += ", ETA " + Self.duration(Double(total - count) / rate)
        } else if total == nil, let fraction, fraction > 0.001, fraction < 1 {
            text += ", ETA " + Self.duration(elapsed * (1 - fraction) / fraction)
        }
        return text
    }

    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m"
    }
}

// MARK: export

public struct ExportOptions: Sendable {
    public var filter: MessageFilter
    public var format: ExtendedJSONFormat
    /// One JSON array instead of one document per line.
    public var array: Bool
    public var pageSize: Int

    public init(filter: MessageFilter = MessageFilter(), format: ExtendedJSONFormat = .relaxed, array: Bool = false, pageSize: Int = 1000) {
        self.filter = filter
        self.format = format
        self.array = array
        self.pageSize = pageSize
    }
}

/// Streams history oldest first, a keyset page at a time: memory stays flat whatever the history size.
public struct HistoryExporter: Sendable {
    public var options: ExportOptions

    public init(options: ExportOptions) {
        self.options = options
    }

    public enum Outcome: Sendable, Equatable {
        case complete(Int)
        /// The reader closed the pipe after this many documents.
        case readerWentAway(Int)
    }

    /// Writes every matching message to `output` and calls `finish()`. A closed pipe is not an error.
    public func run(store: any ChatStore, output: any ByteOutput, progress: (Int) -> Void = { _ in }) async throws -> Outcome {
        var count = 0
        do {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(options.pageSize * 160)
            if options.array { chunk.append(UInt8(ascii: "[")) }
            for try await page in store.messagePages(matching: options.filter, after: nil, pageSize: options.pageSize) {
                for message in page {
                    if options.array && count > 0 { chunk.append(UInt8(ascii: ",")) }
                    ExtendedJSON.append(message, format: options.format, to: &chunk)
                    if !options.array { chunk.append(0x0A) }
                    count += 1
                }
                try output.write(chunk)
                chunk.removeAll(keepingCapacity: true)
                progress(count)
            }
            if !chunk.isEmpty { try output.write(chunk) }
            if options.array { try output.write(Array("]\n".utf8)) }
            try output.finish()
        } catch OutputError.closedPipe {
            return .readerWentAway(count)
        }
        return .complete(count)
    }
}

// MARK: import

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

public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var document: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

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

/// Copies all of one store's history into another through Extended JSON (export, then import), the way an
/// operator moves between SQLite and MongoDB, and says whether both now hold exactly the same messages.
public enum HistoryRoundTrip {
    public static func copy(from source: any ChatStore, to destination: any ChatStore, format: ExtendedJSONFormat = .relaxed,
                            array: Bool = false) async throws -> ImportSummary {
        let buffer = MemoryOutput()
        _ = try await HistoryExporter(options: ExportOptions(format: format, array: array)).run(store: source, output: buffer)
        let stream = DocumentStream(input: MemoryInput(buffer.bytes))
        return try await HistoryImporter(options: ImportOptions(document: MessageDocumentReader(maxMessageBytes: 1 << 20)))
            .run(stream: stream, store: destination, report: { _ in })
    }

    /// Every message of a store, in history order.
    public static func allMessages(_ store: any ChatStore) async throws -> [ChatMessage] {
        var result: [ChatMessage] = []
        for try await page in store.messagePages(matching: MessageFilter(), after: nil, pageSize: 1000) { result += page }
        return result
    }
}
