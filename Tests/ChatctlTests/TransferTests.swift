@testable import ChatAdmin
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

@Suite struct TransferTests {
    @Test(arguments: [(ExtendedJSONFormat.relaxed, false), (.relaxed, true), (.canonical, false), (.canonical, true)] as [(ExtendedJSONFormat, Bool)])
    func sqliteToSQLiteRoundTrip(format: ExtendedJSONFormat, array: Bool) async throws {
        let source = try await makeSQLiteStore()
        let destination = try await makeSQLiteStore()
        try await source.appendMessages(sampleMessages())
        try await expectExactRoundTrip(from: source, to: destination, format: format, array: array)
        await dispose(source)
        await dispose(destination)
    }

    @Test func exportFilters() async throws {
        let store = try await makeSQLiteStore()
        let messages = sampleMessages(count: 300)
        try await store.appendMessages(messages)
        func export(_ filter: MessageFilter) async throws -> [ChatMessage] {
            let out = MemoryOutput()
            let outcome = try await HistoryExporter(options: ExportOptions(filter: filter, pageSize: 7)).run(store: store, output: out)
            let stream = DocumentStream(input: MemoryInput(out.bytes))
            var result: [ChatMessage] = []
            while let raw = try stream.next() {
                guard case .success(let bytes) = raw.result else { Issue.record("bad document"); continue }
                result.append(try MessageDocumentReader(maxMessageBytes: 1 << 20).message(from: bytes))
            }
            #expect(outcome == .complete(result.count))
            #expect(out.finished)
            return result
        }
        let ordered = messages.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
        #expect(try await export(MessageFilter()) == ordered)
        #expect(try await export(MessageFilter(user: "bob")) == ordered.filter { $0.user == "bob" })
        let since = Date(millisecondsSince1970: 1_795_546_800_000 + 10_000)
        let until = Date(millisecondsSince1970: 1_795_546_800_000 + 20_000)
        #expect(try await export(MessageFilter(since: since, until: until)) == ordered.filter { $0.time >= since && $0.time < until })
        #expect(try await export(MessageFilter(since: since, until: until, user: "alice"))
            == ordered.filter { $0.time >= since && $0.time < until && $0.user == "alice" })
        #expect(try await export(MessageFilter(user: "nobody")).isEmpty)
        await dispose(store)
    }

    @Test func arrayExportIsOneJSONArray() async throws {
        let store = try await makeSQLiteStore()
        try await store.appendMessages(Array(sampleMessages(count: 3)))
        let out = MemoryOutput()
        _ = try await HistoryExporter(options: ExportOptions(array: true)).run(store: store, output: out)
        #expect(out.text.hasPrefix("[{\"_id\":"))
        #expect(out.text.hasSuffix("}]\n"))
        #expect(try JSONSerialization.jsonObject(with: Data(out.bytes)) is [Any])
        let empty = try await makeSQLiteStore()
        let out2 = MemoryOutput()
        _ = try await HistoryExporter(options: ExportOptions(array: true)).run(store: empty, output: out2)
        #expect(out2.text == "[]\n")
        await dispose(store)
        await dispose(empty)
    }

    @Test func importReportsProblemsAndDuplicates() async throws {
        let store = try await makeSQLiteStore()
        let input = """
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d01"},"user":"alice","msg":"one","time":{"$date":"2026-11-24T19:00:00Z"}}
            not json
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d01"},"user":"alice","msg":"one again","time":{"$date":"2026-11-24T19:00:00Z"}}

            {"user":"bob","msg":42,"time":{"$date":"2026-11-24T19:00:00Z"}}
            {"user":"bob","msg":"no id","time":{"$date":"2026-11-24T19:00:01Z"}}
            """
        var problems: [ImportProblem] = []
        let summary = try await HistoryImporter(options: ImportOptions(batchSize: 2))
            .run(stream: DocumentStream(input: MemoryInput(input)), store: store, report: { problems.append($0) })
        #expect(summary.read == 5)
        #expect(summary.inserted == 2)
        #expect(summary.duplicates == 1)
        #expect(summary.rejected == 2)
        #expect(problems.map(\.line) == [2, 5])
        #expect(problems[1].reason.contains("\"msg\" must be a string"))
        #expect(summary.description == "5 read, 2 inserted, 1 skipped as duplicates, 0 replaced, 2 rejected")
        // The first of two documents with one _id wins in insert mode.
        #expect(try await HistoryRoundTrip.allMessages(store).first?.text == "one")

        let upsert = try await HistoryImporter(options: ImportOptions(mode: .upsert))
            .run(stream: DocumentStream(input: MemoryInput(input)), store: store, report: { _ in })
        #expect(upsert.replaced == 3)
        #expect(upsert.inserted == 0)
        #expect(try await HistoryRoundTrip.allMessages(store).first?.text == "one again")
        await dispose(store)
    }

    @Test func stopOnErrorKeepsWhatCameBefore() async throws {
        let store = try await makeSQLiteStore()
        let input = """
            {"user":"alice","msg":"one","time":{"$date":"2026-11-24T19:00:00Z"}}
            {"user":"alice","msg":"","time":{"$date":"2026-11-24T19:00:00Z"}}
            {"user":"alice","msg":"three","time":{"$date":"2026-11-24T19:00:00Z"}}
            """
        let summary = try await HistoryImporter(options: ImportOptions(stopOnError: true))
            .run(stream: DocumentStream(input: MemoryInput(input)), store: store, report: { _ in })
        #expect(summary.stopped?.hasPrefix("line 2:") == true)
        #expect(summary.inserted == 1)
        #expect(try await store.countMessages(matching: MessageFilter()) == 1)
        await dispose(store)
    }

    @Test func dryRunWritesNothing() async throws {
        let store = try await makeSQLiteStore()
        let input = #"{"user":"alice","msg":"one","time":{"$date":"2026-11-24T19:00:00Z"}}"#
        let summary = try await HistoryImporter(options: ImportOptions(dryRun: true))
            .run(stream: DocumentStream(input: MemoryInput(input)), store: store, report: { _ in })
        #expect(summary.read == 1)
        #expect(summary.rejected == 0)
        #expect(try await store.countMessages(matching: MessageFilter()) == 0)
        await dispose(store)
    }

    @Test func interruptedImportResumes() async throws {
        let source = try await makeSQLiteStore()
        try await source.appendMessages(sampleMessages(count: 1200))
        let out = MemoryOutput()
        _ = try await HistoryExporter(options: ExportOptions()).run(store: source, output: out)
        // Import the first 500 lines only, as if killed, then the whole file.
        let lines = out.text.split(separator: "\n")
        let partial = lines.prefix(500).joined(separator: "\n")
        let destination = try await makeSQLiteStore()
        let options = ImportOptions(document: MessageDocumentReader(maxMessageBytes: 1 << 20))
        _ = try await HistoryImporter(options: options).run(stream: DocumentStream(input: MemoryInput(partial)), store: destination, report: { _ in })
        let second = try await HistoryImporter(options: options).run(stream: DocumentStream(input: MemoryInput(out.bytes)), store: destination, report: { _ in })
        #expect(second.inserted == 700)
        #expect(second.duplicates == 500)
        #expect(try await HistoryRoundTrip.allMessages(destination) == HistoryRoundTrip.allMessages(source))
        await dispose(source)
        await dispose(destination)
    }

    @Test func atomicFileAppearsOnlyWhenFinished() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.json").path
        let output = try AtomicFileOutput(path: path)
        try output.write(Array("hello\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: path))
        try output.finish()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.json"])
        let abandoned = try AtomicFileOutput(path: dir.appendingPathComponent("other.json").path)
        try abandoned.write(Array("x".utf8))
        abandoned.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.json"])
    }

    @Test func progressLine() {
        let start = ContinuousClock.now
        let line = ProgressLine(verb: "exported", total: 1000, start: start)
        #expect(line.render(count: 500, now: start + .seconds(5)) == "exported 500 of 1000 (50%), 100/s, ETA 5s")
        #expect(ProgressLine(verb: "imported", total: nil, start: start).render(count: 10, now: start + .seconds(1)) == "imported 10, 10/s")
        #expect(ProgressLine.duration(3725) == "1h02m")
        #expect(ProgressLine(verb: "read", total: nil, start: start).render(count: 100, fraction: 0.25, now: start + .seconds(10))
            == "read 100 (25%), 10/s, ETA 30s")
    }
}
