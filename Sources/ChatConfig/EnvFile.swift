import Foundation

/// Reads a `.env` file: `KEY=value` lines, `#` comments, optional `export `, single or double quotes.
public struct EnvFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public var entries: [Entry]

    public var values: [String: String] {
        var result: [String: String] = [:]
        for entry in entries { result[entry.key] = entry.value }
        return result
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var line: Int
        public var reason: String
        public var description: String { "\(path):\(line): \(reason)" }
    }

    public static let maximumSize = 1 << 20

    public static func load(path: String) throws -> EnvFile {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ParseError(path: path, line: 0, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard data.count <= maximumSize else {
            throw ParseError(path: path, line: 0, reason: "larger than 1 MiB; is this really a .env file?")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ParseError(path: path, line: 0, reason: "not valid UTF-8")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = ".env") throws -> EnvFile {
        var entries: [Entry] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(path: path, line: lineNumber, reason: "expected KEY=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty,
                key.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }),
                let first = key.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first)
            else {
                throw ParseError(path: path, line: lineNumber, reason: "'\(key)' is not a valid variable name")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard value.count >= 2, value.last == quote else {
                    throw ParseError(path: path, line: lineNumber, reason: "unterminated quote in the value of \(key)")
                }
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            entries.append(Entry(key: key, value: value, line: lineNumber))
        }
        return EnvFile(entries: entries)
    }
}
