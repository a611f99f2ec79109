import ChatStorage
import Foundation

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
