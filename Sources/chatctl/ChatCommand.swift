import ArgumentParser
import ChatClient
import Foundation
import NIOConcurrencyHelpers
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Join the chat from a terminal (line editing and history by GNU readline).",
        discussion: """
            Live messages print above the input line without disturbing what you type. Enter sends the line; Up and Down recall the lines sent in this session; /quit, Ctrl-D, or Ctrl-C on an empty line leave (Ctrl-C on a non-empty line clears it). Errors from the server (message too long, too fast) are shown and the chat goes on. A dropped connection is resumed with backoff, nothing missed and nothing shown twice.

            When standard input is not a terminal, every input line is sent as one message, in order, and chat exits once the server has acknowledged each of them (it receives its own messages back): exit 0 when all were stored, 1 when any was refused. Messages refused for being too fast are retried. Blank lines are skipped.

            Password and messages on one standard input: with --password-stdin the FIRST line is the password and every following line is a message. Without it, set CHATCTL_PASSWORD (on a terminal you are asked, without echo).

            Examples:
              chatctl chat --user alice
              chatctl chat --url https://chat.example.com --user alice
              printf '%s\\n' "$PW" "build passed" | chatctl chat --user bot --password-stdin
              CHATCTL_PASSWORD=… chatctl chat --user bot < announcements.txt
            """
    )

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let stdin = StdinLines()
        let resolved = try client.resolve(stdin: stdin)
        let options = ChatConnectionOptions(endpoint: resolved.endpoint, login: resolved.login, password: resolved.password)
        let session = ChatConnection(options: options)
        if Terminal.isTerminal(STDIN_FILENO) {
            try await interactive(session, resolved)
        } else {
            try await piped(session, resolved, lines: stdin.stream())
        }
    }

    private func interactive(_ session: ChatConnection, _ resolved: ClientOptions.Resolved) async throws {
        let stdoutIsTerminal = Terminal.isTerminal(STDOUT_FILENO)
        let formatter = EventFormatter(colors: EventFormatter.wantsColors(isTerminal: stdoutIsTerminal))
        let editor = ReadlineChat(prompt: "\(resolved.login)> ", eraseSentLines: stdoutIsTerminal)
        let connected = FirstResult<Void>()
        let endpoint = resolved.endpoint
        let runTask = Task {
            try await session.run { update in
                switch update {
                case .connected(let reconnected):
                    connected.resolve(.success(()))
                    editor.print(formatter.status(reconnected ? "reconnected" : "connected to \(endpoint); /quit or Ctrl-D to leave"))
                case .event(let event, _):
                    if let line = formatter.line(for: event) { editor.print(line) }
                case .disconnected(let reason, let delay):
                    editor.print(formatter.status("\(reason); reconnecting in \(TailCommand.seconds(delay))"))
                }
            }
        }
        let watcher = Task {
            let result = await runTask.result
            connected.resolve(result.map { _ in () })
            editor.quit()
        }
        do {
            try await connected.value
        } catch let error as ChatClientError {
            throw fail(error.description)
        }
        let signals = SignalWatch([SIGINT: { editor.interrupt() }, SIGTERM: { editor.quit() }, SIGHUP: { editor.quit() }, SIGWINCH: { editor.resized() }])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                editor.run { line in
                    if let problem = ChatConnection.problem(sending: line) {
                        editor.print(formatter.status("not sent: \(problem)"))
                    } else {
                        session.send(line)
                    }
                }
                continuation.resume()
            }
            thread.start()
        }
        session.stop()
        _ = await watcher.result
        withExtendedLifetime(signals) {}
        do {
            try await runTask.value
        } catch let error as ChatClientError {
            throw fail(error.description)
        }
    }

    private func piped(_ session: ChatConnection, _ resolved: ClientOptions.Resolved, lines: AsyncStream<String>) async throws {
        let sender = ScriptedSender(session: session, login: resolved.login)
        let signals = SignalWatch.shutdown { session.stop() }
        let rejected = NIOLockedValueBox(0)
        let status = EventFormatter(colors: false)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await session.run { update in
                        sender.observe(update)
                        if case .disconnected(let reason, let delay) = update {
                            Output.error(status.status("\(reason); reconnecting in \(TailCommand.seconds(delay))"))
                        }
                    }
                }
                group.addTask {
                    var number = 0
                    for await line in lines {
                        number += 1
                        if line.allSatisfy(\.isWhitespace) { continue }
                        if case .rejected(let reason, _) = await sender.send(line) {
                            if Task.isCancelled { return }
                            rejected.withLockedValue { $0 += 1 }
                            Output.error("chatctl: line \(number) not sent: \(reason)")
                        }
                    }
                    session.stop()
                }
                while try await group.next() != nil {
                    if session.isStopped { group.cancelAll() }
                }
            }
        } catch let error as ChatClientError {
            throw fail(error.description)
        }
        withExtendedLifetime(signals) {}
        if rejected.withLockedValue({ $0 }) > 0 { throw ExitCode.failure }
    }
}
