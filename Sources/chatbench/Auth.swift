// Sign-up and log-in over the blocking HTTP client (form posts answered with a session cookie).

enum Auth {
    static let password = "bench-password-123"

    /// POST /signin; returns the Cookie header value.
    static func signUp(_ client: HTTPClient, login: String) throws -> String {
        let r = try postForm(client, "/signin", [("login", login), ("email", "\(login)@bench.invalid"), ("password", password)])
        let cookie = r.cookieHeader
        guard (r.status == 302 || r.status == 303 || r.status == 200) && !cookie.isEmpty else {
            throw BenchFailure("POST /signin for \(login) answered \(r.status) without a session cookie: \(String(decoding: r.body.prefix(200), as: UTF8.self))")
        }
        return cookie
    }

    /// POST /login; returns the Cookie header value.
    static func logIn(_ client: HTTPClient, login: String) throws -> String {
        let r = try postForm(client, "/login", [("login", login), ("password", password)])
        let cookie = r.cookieHeader
        guard (r.status == 302 || r.status == 303) && !cookie.isEmpty else {
            throw BenchFailure("POST /login for \(login) answered \(r.status) without a session cookie")
        }
        return cookie
    }

    /// POSTs `fields` as an application/x-www-form-urlencoded body.
    private static func postForm(_ client: HTTPClient, _ path: String, _ fields: [(String, String)]) throws -> HTTPResponse {
        try client.request("POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: formEncode(fields))
    }
}

func formEncode(_ fields: [(String, String)]) -> [UInt8] {
    func enc(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + hexString(UInt64(b), width: 2).uppercased()
            }
        }
        return out
    }
    return Array(fields.map { enc($0.0) + "=" + enc($0.1) }.joined(separator: "&").utf8)
}
