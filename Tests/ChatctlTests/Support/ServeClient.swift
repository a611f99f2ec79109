@testable import ChatConfig
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

enum ServeClient {
    /// Signs up over raw HTTP and returns the session cookie.
    static func signUp(port: Int, login: String, password: String = "correct horse") async throws -> String {
        let body = "login=\(login)&email=\(login)%40example.com&password=\(password.replacingOccurrences(of: " ", with: "+"))"
        let response = try await RawHTTP.post(port: port, path: "/signin", body: body)
        guard let line = response.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("set-cookie: chat_session=") }) else {
            throw RawSocket.Failure.refused(response)
        }
        let value = line.dropFirst("set-cookie: chat_session=".count).split(separator: ";")[0]
        return String(value)
    }
}
