@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Testing

/// End to end: the built binary, real stdin/stdout/stderr, a real SQLite store in a temporary DATA_DIR.
@Suite struct CLITests {
    @Test func userAddListPasswdRemove() async throws {
        let sandbox = try CLISandbox()
        let secret = "correct horse battery"
        let add = try await sandbox.run(["user", "add", "alice", "--email", "alice@example.com", "--password-stdin"], stdin: secret + "\n")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(!add.stdout.contains(secret) && !add.stderr.contains(secret))

        let duplicate = try await sandbox.run(["user", "add", "alice", "--email", "other@example.com", "--password-stdin"], stdin: secret + "\n")
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.hasPrefix("chatctl: login 'alice' is taken;"))
        #expect(duplicate.stderr.split(separator: "\n").count == 1)

        let sameEmail = try await sandbox.run(["user", "add", "bob", "--email", "ALICE@example.com", "--password-stdin"], stdin: secret + "\n")
        #expect(sameEmail.status == 1)
        #expect(sameEmail.stderr.contains("already registered"))

        let weak = try await sandbox.run(["user", "add", "carol", "--email", "carol@example.com", "--password-stdin"], stdin: "short\n")
        #expect(weak.status == 1)
        #expect(weak.stderr.contains("at least 8"))
        #expect(!weak.stderr.contains("short\n") || weak.stderr.contains("password"))

        let badLogin = try await sandbox.run(["user", "add", "no spaces", "--email", "x@example.com", "--password-stdin"], stdin: secret + "\n")
        #expect(badLogin.status == 1)

        let list = try await sandbox.run(["user", "list", "--json"])
        #expect(list.status == 0)
        let users = try #require(try JSONSerialization.jsonObject(with: list.stdoutBytes) as? [[String: Any]])
        #expect(users.count == 1)
        #expect(users[0]["login"] as? String == "alice")
        #expect(users[0]["email"] as? String == "alice@example.com")
        #expect((users[0]["id"] as? String)?.count == 24)
        #expect(users[0]["created"] is String)
        #expect(!list.stdout.contains(secret) && !list.stdout.contains("$2"))

        let table = try await sandbox.run(["user", "list"])
        #expect(table.stdout.contains("alice@example.com"))

        // The stored hash uses BCRYPT_COST and verifies.
        let store = try SQLiteStore(path: sandbox.path("data/chat.sqlite"))
        let stored = try #require(try await store.user(login: "alice"))
        #expect(stored.password.hasPrefix("$2b$04$") || stored.password.hasPrefix("$2a$04$") || stored.password.hasPrefix("$2y$04$"))
        #expect(try await PasswordHasher(cost: 4).verify(secret, against: stored.password))

        let passwd = try await sandbox.run(["user", "passwd", "alice", "--password-stdin"], stdin: "a new password\n")
        #expect(passwd.status == 0, "\(passwd.stderr)")
        let updated = try #require(try await store.user(login: "alice"))
        #expect(try await PasswordHasher(cost: 4).verify("a new password", against: updated.password))
        #expect(try await sandbox.run(["user", "passwd", "nobody", "--password-stdin"], stdin: "whatever123\n").status == 1)

        // Removal needs --yes without a terminal, and keeps the user's messages.
        try await store.appendMessages([ChatMessage(id: ObjectIdGenerator().next(), user: "alice", text: "keep me", time: Date())])
        let refused = try await sandbox.run(["user", "remove", "alice"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--yes"))
        let removed = try await sandbox.run(["user", "remove", "alice", "--yes"])
        #expect(removed.status == 0)
        #expect(try await store.user(login: "alice") == nil)
        #expect(try await store.countMessages(matching: MessageFilter(user: "alice")) == 1)
        #expect(try await sandbox.run(["user", "remove", "alice", "--yes"]).status == 1)
        #expect(try await sandbox.run(["user", "list", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func usageErrorsExit2() async throws {
        let sandbox = try CLISandbox()
        #expect(try await sandbox.run(["user", "add"]).status == 2)
        #expect(try await sandbox.run(["history", "export", "--since", "whenever"]).status == 2)
        #expect(try await sandbox.run(["history", "export", "--since", "1d", "--until", "2d"]).status == 2)
        #expect(try await sandbox.run(["history", "import", "x.json", "--mode", "merge"]).status == 2)
        #expect(try await sandbox.run(["nonsense"]).status == 2)
        let help = try await sandbox.run(["history", "export", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
    }

    @Test func everyCommandHasHelpWithExamples() async throws {
        let sandbox = try CLISandbox()
        for command in [["user", "add"], ["user", "list"], ["user", "passwd"], ["user", "remove"], ["history", "export"],
                        ["history", "import"], ["check"], ["config", "init"], ["user"], ["history"], ["config"]] {
            let help = try await sandbox.run(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example"), "\(command)")
        }
    }

    @Test func exportFiltersAndFormats() async throws {
        let sandbox = try CLISandbox()
        try sandbox.write("in.json", """
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d01"},"user":"alice","msg":"old","time":{"$date":"2020-01-01T00:00:00Z"}}
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d02"},"user":"bob","msg":"mid","time":{"$date":"2025-06-01T12:00:00.5Z"}}
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d03"},"user":"alice","msg":"new","time":{"$date":"2026-11-24T19:00:00.123Z"}}
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d04"},"user":"alice","msg":"ancient","time":{"$date":{"$numberLong":"-86400000"}}}

            """)
        #expect(try await sandbox.run(["history", "import", "in.json"]).status == 0)
        let all = try await sandbox.run(["history", "export"])
        #expect(all.status == 0)
        #expect(all.stderr.isEmpty)
        #expect(all.stdout == """
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d04"},"user":"alice","msg":"ancient","time":{"$date":{"$numberLong":"-86400000"}}}
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d01"},"user":"alice","msg":"old","time":{"$date":"2020-01-01T00:00:00Z"}}
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d02"},"user":"bob","msg":"mid","time":{"$date":"2025-06-01T12:00:00.5Z"}}
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d03"},"user":"alice","msg":"new","time":{"$date":"2026-11-24T19:00:00.123Z"}}

            """)
        let alice = try await sandbox.run(["history", "export", "--user", "alice", "--since", "2019-12-31", "--until", "2026-11-24T19:00:00.123Z"])
        #expect(alice.stdout.split(separator: "\n").map { $0.contains("\"old\"") } == [true])
        let canonical = try await sandbox.run(["history", "export", "--canonical", "--array", "--since", "2025-01-01"])
        #expect(canonical.stdout == """
            [{"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d02"},"user":"bob","msg":"mid","time":{"$date":{"$numberLong":"1748779200500"}}},\
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d03"},"user":"alice","msg":"new","time":{"$date":{"$numberLong":"1795546800123"}}}]

            """)
        let recent = try await sandbox.run(["history", "export", "--since", "3650d"])
        #expect(recent.stdout.split(separator: "\n").count == 3)

        let toFile = try await sandbox.run(["history", "export", "--out", "out.json"])
        #expect(toFile.status == 0)
        #expect(toFile.stdout.isEmpty)
        #expect(try String(contentsOfFile: sandbox.path("out.json"), encoding: .utf8) == all.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path).filter { $0.contains(".tmp-") }.isEmpty)
        let unwritable = try await sandbox.run(["history", "export", "--out", "/nonexistent-dir/x.json"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.hasPrefix("chatctl: "))
    }

    @Test func importReportsBadLinesWithLineNumbers() async throws {
        let sandbox = try CLISandbox()
        var bytes = Array("""
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d01"},"user":"alice","msg":"one","time":{"$date":"2026-11-24T19:00:00Z"}}
            {"user":"alice","msg":"two",
            {"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d01"},"user":"alice","msg":"dup","time":{"$date":"2026-11-24T19:00:00Z"}}
            {"user":"alice","msg":["x"],"time":{"$date":"2026-11-24T19:00:00Z"}}

            """.utf8)
        bytes += Array(#"{"user":"alice","msg":""#.utf8) + [0xFF, 0xFE] + Array(#"","time":{"$date":"2026-11-24T19:00:00Z"}}"#.utf8) + [0x0A]
        bytes += Array(#"{"user":"alice","msg":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 1_100_000) + Array("\"}\n".utf8)
        bytes += Array(#"{"user":"bob","msg":"last","time":{"$date":"2026-11-24T19:00:01Z"}}"#.utf8) + [0x0A]
        try sandbox.write("mixed.json", bytes: bytes)
        let result = try await sandbox.run(["history", "import", "mixed.json"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("chatctl: mixed.json:2: malformed JSON") })
        #expect(lines.contains { $0.hasPrefix("chatctl: mixed.json:4: \"msg\" must be a string") })
        #expect(lines.contains { $0.hasPrefix("chatctl: mixed.json:5: ") && $0.contains("UTF-8") })
        #expect(lines.contains { $0.hasPrefix("chatctl: mixed.json:6: document larger than") })
        #expect(lines.last == "mixed.json: 7 read, 2 inserted, 1 skipped as duplicates, 0 replaced, 4 rejected")
        #expect(result.stdout.isEmpty)

        let stopped = try await sandbox.run(["history", "import", "--stop-on-error", "mixed.json"])
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("stopped at mixed.json line 2"))

        let dry = try await sandbox.run(["history", "import", "--dry-run", "-"], stdin: String(decoding: bytes, as: UTF8.self))
        #expect(dry.status == 0)
        #expect(dry.stderr.contains("dry run: 7 read"))

        let broken = try await sandbox.run(["history", "import", "-"], stdin: "[{\"user\":\"a\",\"msg\":\"b\",\"time\":{\"$date\":\"2026-11-24T19:00:00Z\"}},")
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("not closed"))

        let empty = try await sandbox.run(["history", "import", "-"], stdin: "")
        #expect(empty.status == 0)
        #expect(empty.stderr.contains("0 read"))

        let missing = try await sandbox.run(["history", "import", "nope.json"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("chatctl: cannot open nope.json"))
    }

    @Test func exportImportRoundTripAndReimportChangesNothing() async throws {
        let source = try CLISandbox()
        let messages = sampleMessages(count: 2100)
        try await source.seed(messages)
        let sourceEnv: [String: String] = [:]
        for (name, flags) in [("lines.json", [String]()), ("array.json", ["--array"]), ("canonical.json", ["--canonical"])] {
            let export = try await source.run(["history", "export", "--out", name] + flags, environment: sourceEnv)
            #expect(export.status == 0, "\(export.stderr)")
            let destination = try CLISandbox()
            let env = ["MAX_MESSAGE_BYTES": "1048576"]
            let first = try await destination.run(["history", "import", source.path(name)], environment: env)
            #expect(first.status == 0)
            #expect(first.stderr.hasSuffix("2100 read, 2100 inserted, 0 skipped as duplicates, 0 replaced, 0 rejected\n"), "\(first.stderr)")
            let second = try await destination.run(["history", "import", source.path(name)], environment: env)
            #expect(second.stderr.hasSuffix("2100 read, 0 inserted, 2100 skipped as duplicates, 0 replaced, 0 rejected\n"))
            let reexport = try await destination.run(["history", "export"] + flags)
            #expect(reexport.stdoutBytes == (try Data(contentsOf: URL(fileURLWithPath: source.path(name)))), "\(name)")
        }
    }

    @Test func exportToAClosedPipeEndsQuietly() async throws {
        let sandbox = try CLISandbox()
        try await sandbox.seed(sampleMessages(count: 20_000))
        let pipe = Pipe()
        let errPipe = Pipe()
        let direct = Process()
        direct.executableURL = TestPaths.chatctlBinary
        direct.arguments = ["history", "export"]
        direct.currentDirectoryURL = sandbox.directory
        direct.environment = sandbox.environment
        direct.standardOutput = pipe
        direct.standardError = errPipe
        let stderr = try await offThePool {
            try direct.run()
            _ = pipe.fileHandleForReading.readData(ofLength: 4096)
            try pipe.fileHandleForReading.close()
            direct.waitUntilExit()
            return String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        withExtendedLifetime(sandbox) {}
        #expect(direct.terminationReason == .exit)
        #expect(direct.terminationStatus == 0)
        #expect(stderr.isEmpty)
    }

    @Test func checkReportsABrokenEnvFile() async throws {
        let clean = try CLISandbox(without: ["PORT"])
        try clean.write(".env", "PORT=eighty\nSECERT_KEY=abc\nHOST=127.0.0.1\nLOG_LEVL=debug\nUNRELATED_THING=1\n")
        let result = try await clean.run(["check", "--json"])
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect(json["ok"] as? Bool == false)
        let items = try #require(json["items"] as? [[String: String]])
        for item in items { #expect(Set(item.keys) == ["name", "status", "detail", "fix"]) }
        let port = try #require(items.first { $0["name"] == "PORT" })
        #expect(port["status"] == "fail")
        #expect(port["fix"]?.isEmpty == false)
        #expect(items.contains { $0["name"] == "SECERT_KEY" && $0["status"] == "warn" && $0["fix"] == "rename it to SECRET_KEY" })
        #expect(items.contains { $0["name"] == "LOG_LEVL" && $0["fix"] == "rename it to LOG_LEVEL" })
        #expect(!items.contains { $0["name"] == "UNRELATED_THING" })
        #expect(result.stdout.hasPrefix("{\"ok\":false,\"items\":["))

        let table = try await clean.run(["check"])
        #expect(table.status == 1)
        #expect(table.stdout.contains("fail    PORT"))
    }

    @Test func checkPassesOnAGoodSetup() async throws {
        let sandbox = try CLISandbox()
        #expect(try await sandbox.run(["config", "init"]).status == 0)
        let result = try await sandbox.run(["check", "--json"], environment: ["PORT": "65000"])
        #expect(result.status == 0, "\(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect(json["ok"] as? Bool == true)
    }

    @Test func configInitWritesAFreshKeyAndNeverOverwrites() async throws {
        let sandbox = try CLISandbox()
        let first = try await sandbox.run(["config", "init"])
        #expect(first.status == 0)
        let text = try String(contentsOfFile: sandbox.path(".env"), encoding: .utf8)
        let env = try EnvFile.parse(text)
        let key = try #require(env.values["SECRET_KEY"])
        #expect(try SecretKey(text: key).bytes.count == 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: sandbox.path(".env"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let second = try await sandbox.run(["config", "init"])
        #expect(second.status == 1)
        #expect(second.stderr.hasPrefix("chatctl: .env already exists"))
        #expect(try String(contentsOfFile: sandbox.path(".env"), encoding: .utf8) == text)

        let other = try await sandbox.run(["config", "init", "--path", "other.env"])
        #expect(other.status == 0)
        let otherKey = try EnvFile.load(path: sandbox.path("other.env")).values["SECRET_KEY"]
        #expect(otherKey != key)
    }
}

extension CLISandbox {
    /// Creates the sandbox's SQLite store (DATA_DIR/chat.sqlite) holding `messages`.
    func seed(_ messages: [ChatMessage]) async throws {
        try FileManager.default.createDirectory(atPath: path("data"), withIntermediateDirectories: true)
        let store = try SQLiteStore(path: path("data/chat.sqlite"))
        try await store.prepare()
        try await store.appendMessages(messages)
        await store.close()
    }
}
