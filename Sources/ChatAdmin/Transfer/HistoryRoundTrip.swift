import ChatModel
import ChatStorage
import Foundation

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
