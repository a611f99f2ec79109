struct HTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.0.lowercased() == n }?.1
    }

    /// "name=value" pairs from every Set-Cookie, joined for a Cookie header.
    var cookieHeader: String {
        headers.filter { $0.0.lowercased() == "set-cookie" }
            .compactMap { $0.1.split(separator: ";").first.map { $0.trimmingCharacters() } }
            .joined(separator: "; ")
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
