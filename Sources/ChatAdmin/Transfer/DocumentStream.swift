import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Splits an input into documents without holding more than one document (bounded by `maxDocumentBytes`)
/// and one read buffer in memory. The form is decided by the first non-space byte: `[` is a JSON array
/// (what `mongoexport --jsonArray` and `history export --array` write), anything else is one document per line.
/// Blank lines are skipped; a UTF-8 byte-order mark is ignored.
public final class DocumentStream {
    public enum Form: Sendable, Equatable { case lines, array }

    public static let defaultMaxDocumentBytes = 1 << 20

    private let input: any ByteInput
    public let maxDocumentBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    public private(set) var form: Form?
    private var line = 1
    private var documents = 0
    private var arrayClosed = false
    private var started = false

    public init(input: any ByteInput, maxDocumentBytes: Int = defaultMaxDocumentBytes) {
        self.input = input
        self.maxDocumentBytes = maxDocumentBytes
    }

    private func fill() throws -> Bool {
        if atEnd { return false }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let chunk = try input.read(maxCount: 1 << 16)
        if chunk.isEmpty {
            atEnd = true
            return false
        }
        buffer.append(contentsOf: chunk)
        return true
    }

    /// The next byte without consuming it, or nil at the end.
    private func peek() throws -> UInt8? {
        while position >= buffer.count {
            if try !fill() { return nil }
        }
        return buffer[position]
    }

    private func skipSpaces() throws {
        while let byte = try peek() {
            switch byte {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A:
                position += 1
                line += 1
            default: return
            }
        }
    }

    public func next() throws -> RawDocument? {
        if !started {
            started = true
            while buffer.count - position < 3, try fill() {}
            if buffer.count - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF {
                position += 3
            }
            try skipSpaces()
            guard let first = try peek() else { return nil }
            if first == UInt8(ascii: "[") {
                form = .array
                position += 1
            } else {
                form = .lines
            }
        }
        return form == .array ? try nextElement() : try nextLine()
    }

    // MARK: lines

    private func nextLine() throws -> RawDocument? {
        while true {
            // Skip blank lines.
            while let byte = try peek(), byte == 0x0A || byte == 0x0D || byte == 0x20 || byte == 0x09 {
                if byte == 0x0A { line += 1 }
                position += 1
            }
            guard try peek() != nil else { return nil }
            let startLine = line
            var document: [UInt8] = []
            var tooLarge = false
            var sawNewline = false
            while true {
                if position >= buffer.count, try !fill() { break }
                let end = buffer[position...].firstIndex(of: 0x0A)
                let stop = end ?? buffer.count
                if !tooLarge {
                    if document.count + (stop - position) > maxDocumentBytes {
                        tooLarge = true
                        document = []
                    } else {
                        document.append(contentsOf: buffer[position..<stop])
                    }
                }
                position = stop
                if end != nil {
                    position += 1
                    line += 1
                    sawNewline = true
                    break
                }
            }
            _ = sawNewline
            documents += 1
            if tooLarge {
                return RawDocument(line: startLine, index: documents, result: .failure(.tooLarge(limit: maxDocumentBytes)))
            }
            while let last = document.last, last == 0x0D || last == 0x20 || last == 0x09 { document.removeLast() }
            if document.isEmpty {
                documents -= 1
                continue
            }
            return RawDocument(line: startLine, index: documents, result: .success(document))
        }
    }

    // MARK: array

    private func nextElement() throws -> RawDocument? {
        if arrayClosed {
            try skipSpaces()
            if try peek() != nil { throw DocumentStreamError(line: line, reason: "unexpected data after the closing ']' of the array") }
            return nil
        }
        try skipSpaces()
        guard let first = try peek() else { throw DocumentStreamError(line: line, reason: "the array is not closed: the file ends before its ']'") }
        if first == UInt8(ascii: "]") {
            if documents > 0 { throw DocumentStreamError(line: line, reason: "expected a document after ','") }
            position += 1
            arrayClosed = true
            return try nextElement()
        }
        let startLine = line
        var document: [UInt8] = []
        var tooLarge = false
        var depth = 0
        var inString = false
        var escaped = false
        scan: while true {
            if position >= buffer.count, try !fill() {
                throw DocumentStreamError(line: line, reason: "the array is not closed: the file ends inside document \(documents + 1) (started on line \(startLine))")
            }
            var index = position
            let count = buffer.count
            var finished = false
            while index < count {
                let byte = buffer[index]
                if byte == 0x0A { line += 1 }
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 0 {
                            // The array's own ']' ends the last element.
                            guard byte == UInt8(ascii: "]") else {
                                throw DocumentStreamError(line: line, reason: "unbalanced '}' in document \(documents + 1)")
                            }
                            arrayClosed = true
                            finished = true
                        } else {
                            depth -= 1
                        }
                    case UInt8(ascii: ","):
                        if depth == 0 { finished = true }
                    default: break
                    }
                }
                if finished { break }
                index += 1
            }
            if !tooLarge {
                if document.count + (index - position) > maxDocumentBytes {
                    tooLarge = true
                    document = []
                } else {
                    document.append(contentsOf: buffer[position..<index])
                }
            }
            position = finished ? index + 1 : index
            if finished { break scan }
        }
        documents += 1
        if tooLarge {
            return RawDocument(line: startLine, index: documents, result: .failure(.tooLarge(limit: maxDocumentBytes)))
        }
        while let last = document.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 { document.removeLast() }
        if document.isEmpty { throw DocumentStreamError(line: startLine, reason: "empty element in the array") }
        return RawDocument(line: startLine, index: documents, result: .success(document))
    }
}
