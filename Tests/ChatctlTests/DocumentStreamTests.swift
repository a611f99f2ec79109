@testable import ChatAdmin
@testable import ChatServer
import Foundation
import Testing

@Suite struct DocumentStreamTests {
    func documents(_ text: String, chunk: Int = 7, max: Int = 1 << 20) throws -> [RawDocument] {
        try documents(Array(text.utf8), chunk: chunk, max: max)
    }

    func documents(_ bytes: [UInt8], chunk: Int = 7, max: Int = 1 << 20) throws -> [RawDocument] {
        let stream = DocumentStream(input: MemoryInput(bytes, chunk: chunk), maxDocumentBytes: max)
        var result: [RawDocument] = []
        while let next = try stream.next() { result.append(next) }
        return result
    }

    func text(_ doc: RawDocument) -> String? {
        if case .success(let bytes) = doc.result { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    @Test func emptyInputs() throws {
        #expect(try documents("").isEmpty)
        #expect(try documents("  \n\n \r\n").isEmpty)
        #expect(try documents("[]").isEmpty)
        #expect(try documents(" [ \n ] \n").isEmpty)
    }

    @Test func linesWithLineNumbers() throws {
        let docs = try documents("{\"a\":1}\n\n{\"b\":2}\r\n   \n{\"c\":3}")
        #expect(docs.map(\.line) == [1, 3, 5])
        #expect(docs.map(\.index) == [1, 2, 3])
        #expect(docs.compactMap(text) == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let docs = try documents([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\n".utf8))
        #expect(docs.compactMap(text) == ["{\"a\":1}"])
    }

    @Test func arrayElements() throws {
        let input = "[\n{\"a\":\"x,]}\\\"[\"},\n  {\"b\":[1,{\"c\":2}]} ,\n{\"d\":3}\n]\n"
        for chunk in [1, 2, 3, 5, 64] {
            let docs = try documents(input, chunk: chunk)
            #expect(docs.compactMap(text) == ["{\"a\":\"x,]}\\\"[\"}", "{\"b\":[1,{\"c\":2}]}", "{\"d\":3}"])
            #expect(docs.map(\.line) == [2, 3, 4])
        }
    }

    @Test func singleLineArray() throws {
        let docs = try documents("[{\"a\":1},{\"a\":2}]")
        #expect(docs.count == 2)
    }

    @Test(arguments: ["[{\"a\":1}", "[{\"a\":1},", "[{\"a\":1},]", "[{\"a\":1}] x", "[{\"a\":\"unterminated}]", "[{\"a\":1}}]"])
    func brokenArrays(input: String) {
        #expect(throws: DocumentStreamError.self) { _ = try documents(input) }
    }

    @Test func hugeLinesAreSkippedNotBuffered() throws {
        let huge = "{\"msg\":\"" + String(repeating: "x", count: 5000) + "\"}"
        let docs = try documents("{\"a\":1}\n" + huge + "\n{\"b\":2}\n", chunk: 100, max: 1000)
        #expect(docs.count == 3)
        #expect(docs[1].result == .failure(.tooLarge(limit: 1000)))
        #expect(docs[1].line == 2)
        #expect(text(docs[2]) == "{\"b\":2}")
        let arrayDocs = try documents("[{\"a\":1}," + huge + ",{\"b\":2}]", chunk: 100, max: 1000)
        #expect(arrayDocs.count == 3)
        #expect(arrayDocs[1].result == .failure(.tooLarge(limit: 1000)))
    }
}
