@testable import ChatModel
@testable import ChatAuth
@testable import ChatConfig
@testable import ChatServer
@testable import ChatStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// HTTP through HummingbirdTesting's client, plus the helpers the chat flows need.
struct LiveClient: Sendable {
    let client: any TestClientProtocol
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func request(_ uri: String, method: HTTPRequest.Method = .get, cookie: String? = nil, headers: HTTPFields = [:],
                 form: [String: String]? = nil) async throws -> TestResponse {
        var headers = headers
        if let cookie { headers[.cookie] = "\(SessionCookie.name)=\(cookie)" }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: FormEncoding.encode(form))
        }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    /// Signs up and returns the session cookie value.
    @discardableResult
    func signUp(_ login: String, password: String = "correct horse", email: String? = nil) async throws -> String {
        let response = try await request("/signin", method: .post,
                                         form: ["login": login, "email": email ?? "\(login)@example.com", "password": password])
        #expect(response.status == .found, "sign-up of \(login) answered \(response.status)")
        return try #require(response.sessionCookie, "no session cookie for \(login)")
    }

    func logIn(_ login: String, password: String) async throws -> TestResponse {
        try await request("/login", method: .post, form: ["login": login, "password": password])
    }
}
