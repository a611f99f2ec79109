import ChatAuth
import ChatModel
import ChatStorage
import Foundation
import Hummingbird

/// Sign-up, log-in and sign-out: the original's plain forms, with the password actually checked. A log-in is a
/// session record in the store, named by the cookie; signing out ends it (POST only: a GET must not act).
struct AuthRoutes {
    let server: ServerContext

    func register(on router: Router<ChatRequestContext>) {
        router.get("/login") { _, context in self.loginPage(context) }
        router.post("/login") { request, context in try await self.login(request, context) }
        router.get("/signin") { _, context in self.signinPage(context) }
        router.post("/signin") { request, context in try await self.signin(request, context) }
        router.get("/signout") { _, context in self.signoutPage(context) }
        router.post("/signout") { request, context in try await self.signout(request, context) }
    }

    private func loginPage(_ context: ChatRequestContext) -> Response {
        if context.user != nil { return .redirect(to: "/", type: .found) }
        return .html(server.pages.render("login", ["title": "Log in", "allowSignup": server.config.allowSignup]))
    }

    private func signinPage(_ context: ChatRequestContext) -> Response {
        if context.user != nil { return .redirect(to: "/", type: .found) }
        guard server.config.allowSignup else { return signinForm(error: "Sign-up is closed on this server.", status: .forbidden) }
        return signinForm(error: nil, status: .ok)
    }

    private func login(_ request: Request, _ context: ChatRequestContext) async throws -> Response {
        guard let form = try await FormBody.read(LoginForm.self, request, context) else {
            return loginForm(error: "The form could not be read; fill in both fields.", login: "", status: .badRequest)
        }
        let login = form.login ?? ""
        let password = form.password ?? ""
        // No stored password has a NUL (sign-up refuses them), and bcrypt would stop reading at one.
        guard !login.isEmpty, !password.isEmpty, login.utf8.count <= 256, password.utf8.count <= 1024, !password.utf8.contains(0) else {
            return loginForm(error: "Enter your login and password.", login: String(login.prefix(32)), status: .badRequest)
        }
        let loginKey = "login:" + login.lowercased()
        let addressKey = "address:" + context.clientAddress
        if let wait = server.loginFailures.retryAfter(loginKey) ?? server.addressFailures.retryAfter(addressKey) {
            context.logger.notice("log-in throttled", metadata: ["login": "\(LogValue.escaped(login, limit: 64))", "address": "\(context.clientAddress)"])
            return tooManyAttempts(loginForm(error: "Too many failed log-ins; try again in \(Self.seconds(wait)) s.",
                                             login: String(login.prefix(32)), status: .tooManyRequests), wait)
        }
        let user = try await server.store.user(login: login)
        let verified = try await server.bcrypt.run {
            // A login that names no account spends the same time as a real check, so response times don't tell
            // which logins exist.
            try await server.passwords.verify(password, against: user?.password ?? server.decoyHash)
        }
        guard let verified else { return busy(loginForm(error: "The server is busy; try again in a moment.", login: String(login.prefix(32)), status: .serviceUnavailable)) }
        guard let user, verified else {
            server.loginFailures.record(loginKey)
            server.addressFailures.record(addressKey)
            context.logger.notice("failed log-in", metadata: ["login": "\(LogValue.escaped(login, limit: 64))", "address": "\(context.clientAddress)"])
            return loginForm(error: "Wrong login or password.", login: String(login.prefix(32)), status: .unauthorized)
        }
        server.loginFailures.clear(loginKey)
        if user.hasLegacyPlainTextPassword {
            // The original app stored plain text: replace it with a hash now that we know the password.
            let hash = try await server.passwords.hash(password)
            _ = try await server.store.setPassword(userID: user.id, password: hash)
            context.logger.notice("legacy password upgraded to bcrypt", metadata: ["login": "\(LogValue.escaped(user.login))"])
        }
        return try await startSession(for: user, request, context)
    }

    private func signin(_ request: Request, _ context: ChatRequestContext) async throws -> Response {
        guard server.config.allowSignup else { return signinForm(error: "Sign-up is closed on this server.", status: .forbidden) }
        guard let form = try await FormBody.read(SignupForm.self, request, context) else {
            return signinForm(error: "The form could not be read; fill in every field.", status: .badRequest)
        }
        let login = form.login ?? ""
        let email = (form.email ?? "").trimmingCharacters(in: .whitespaces)
        let password = form.password ?? ""
        let echoLogin = String(login.prefix(32))
        let echoEmail = String(email.prefix(254))
        do {
            try Credentials.validateLogin(login)
            try Credentials.validateEmail(email)
            try Credentials.validatePassword(password)
        } catch {
            return signinForm(error: "\(error.description.prefix(1).uppercased())\(error.description.dropFirst()).",
                              login: echoLogin, email: echoEmail, status: .unprocessableContent)
        }
        let addressKey = "address:" + context.clientAddress
        if let wait = server.signups.retryAfter(addressKey) {
            return tooManyAttempts(signinForm(error: "Too many sign-ups from your address; try again in \(Self.seconds(wait)) s.",
                                              login: echoLogin, email: echoEmail, status: .tooManyRequests), wait)
        }
        guard let hash = try await server.bcrypt.run({ try await server.passwords.hash(password) }) else {
            return busy(signinForm(error: "The server is busy; try again in a moment.", login: echoLogin, email: echoEmail, status: .serviceUnavailable))
        }
        let user = UserRecord(id: ObjectIdGenerator().next(), login: login, email: email, password: hash, created: Date())
        do {
            try await server.store.createUser(user)
        } catch let error as StoreError {
            switch error {
            case .loginTaken: return signinForm(error: "That login is taken.", login: echoLogin, email: echoEmail, status: .conflict)
            case .emailTaken: return signinForm(error: "That email is already registered.", login: echoLogin, email: echoEmail, status: .conflict)
            default: throw error
            }
        }
        server.signups.record(addressKey)
        context.logger.info("account created", metadata: ["login": "\(LogValue.escaped(login))"])
        return try await startSession(for: user, request, context)
    }

    /// A GET acts on nothing: it offers the button (a POST form, as in every page's header).
    private func signoutPage(_ context: ChatRequestContext) -> Response {
        guard let user = context.user else { return .redirect(to: "/login", type: .found) }
        return .html(server.pages.render("signout", ["title": "Sign out", "user": ["login": user.login]]))
    }

    /// Ends the cookie's session in the store, closes its WebSockets here at once (other instances close theirs
    /// within their next poll, see `SessionWatchService`), and clears the cookie. The session is read from the
    /// cookie itself, so that a store that fails is reported rather than the session left on behind a cleared cookie.
    private func signout(_ request: Request, _ context: ChatRequestContext) async throws -> Response {
        if let cookie = SessionCookie.value(in: request.headers[values: .cookie]), let sealed = server.sessions.decode(cookie) {
            do {
                if try await server.store.endSession(id: sealed.sessionID, at: Date()) {
                    context.logger.info("signed out", metadata: ["login": "\(context.user?.login ?? "?")"])
                }
            } catch {
                context.logger.warning("sign-out failed", metadata: ["error": "\(error)"])
                return .text("The session could not be ended: the chat's store is unavailable; try again shortly.\n",
                             status: .serviceUnavailable)
            }
            server.hub.closeSessions([sealed.sessionID])
        }
        var response = Response.redirect(to: "/login", type: .found)
        response.setCookie(Cookie(name: SessionCookie.name, value: "", maxAge: 0, path: "/",
                                  secure: server.config.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// Stores a new session for `user`, with the client's address and User-Agent, and sets its cookie.
    private func startSession(for user: UserRecord, _ request: Request, _ context: ChatRequestContext) async throws -> Response {
        let session = SessionRecord.start(
            userID: user.id, address: context.remoteAddress?.clientDescription ?? "",
            userAgent: request.headers[.userAgent] ?? "", lifetime: server.sessions.lifetime)
        try await server.store.createSession(session)
        let value = try server.sessions.encode(.init(session))
        var response = Response.redirect(to: "/", type: .found)
        response.setCookie(Cookie(name: SessionCookie.name, value: value,
                                  maxAge: Int(server.sessions.lifetime.components.seconds), path: "/",
                                  secure: server.config.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// Whole seconds, rounded up: what `Retry-After` and the message say.
    static func seconds(_ wait: Duration) -> Int64 {
        let (seconds, attoseconds) = wait.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }

    private func tooManyAttempts(_ response: Response, _ wait: Duration) -> Response {
        var response = response
        response.headers[.retryAfter] = "\(Self.seconds(wait))"
        return response
    }

    private func busy(_ response: Response) -> Response {
        var response = response
        response.headers[.retryAfter] = "1"
        return response
    }

    private func loginForm(error: String, login: String, status: HTTPResponse.Status) -> Response {
        .html(server.pages.render("login", ["title": "Log in", "error": error, "login": login, "allowSignup": server.config.allowSignup]),
              status: status)
    }

    private func signinForm(error: String?, login: String = "", email: String = "", status: HTTPResponse.Status) -> Response {
        var values: [String: Any] = ["title": "Sign up", "login": login, "email": email]
        if let error { values["error"] = error }
        return .html(server.pages.render("signin", values), status: status)
    }

}
