import ArgumentParser
import ChatClient
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The connection flags `tail` and `chat` share.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The chat server (default: http://HOST:PORT from the configuration). https:// uses TLS, trusting SSL_CERT_FILE when set.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("Log in as this user (default: CHATCTL_USER, else asked on a terminal).", valueName: "login"))
    var user: String?

    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input (else CHATCTL_PASSWORD, else a prompt on a terminal).")
    var passwordStdin = false

    @OptionGroup var config: ConfigOptions

    struct Resolved {
        var endpoint: ChatEndpoint
        var login: String
        var password: String
    }

    /// Endpoint, login and password, or a one-line usage failure. `stdin` serves --password-stdin.
    func resolve(stdin: StdinLines) throws -> Resolved {
        let endpoint: ChatEndpoint
        do {
            if let url {
                endpoint = try ChatEndpoint(parsing: url)
            } else {
                let resolved = try config.loader().resolve()
                endpoint = try ChatEndpoint.fromConfiguration(host: resolved.value("HOST"), port: resolved.value("PORT"))
            }
        } catch {
            throw fail("\(error)")
        }
        let environment = ProcessInfo.processInfo.environment
        var login = user ?? environment["CHATCTL_USER"] ?? ""
        if login.isEmpty {
            guard Terminal.isTerminal(STDIN_FILENO), !passwordStdin, let typed = Terminal.prompt("Login for \(endpoint): ", echo: true) else {
                throw fail("no user given; pass --user LOGIN or set CHATCTL_USER")
            }
            login = typed.trimmingCharacters(in: .whitespaces)
            guard !login.isEmpty else { throw fail("no user given; pass --user LOGIN or set CHATCTL_USER") }
        }
        let password: String
        if passwordStdin {
            // On a terminal, read that line without echo.
            let line = Terminal.isTerminal(STDIN_FILENO) ? Terminal.prompt("", echo: false) : stdin.readLine()
            guard let line, !line.isEmpty else {
                throw fail("--password-stdin: standard input has no password line; pipe the password as the first line")
            }
            password = line
        } else if let value = environment["CHATCTL_PASSWORD"], !value.isEmpty {
            password = value
        } else if Terminal.isTerminal(STDIN_FILENO) {
            guard let typed = Terminal.prompt("Password for \(login) at \(endpoint): ", echo: false), !typed.isEmpty else {
                throw fail("no password given; type it at the prompt, set CHATCTL_PASSWORD or pass --password-stdin")
            }
            password = typed
        } else {
            throw fail("no password: standard input is not a terminal; set CHATCTL_PASSWORD or pass --password-stdin")
        }
        return Resolved(endpoint: endpoint, login: login, password: password)
    }
}
