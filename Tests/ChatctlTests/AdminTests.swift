@testable import ChatAdmin
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

@Suite struct AdminTests {
    @Test func envExampleIsTheGeneratedTemplate() throws {
        let committed = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent(".env.example"), encoding: .utf8)
        #expect(committed == EnvTemplate.render(secretKey: nil), "run scripts/gen-completions.sh to regenerate .env.example")
    }

    @Test func templateDocumentsEveryVariableAndLoads() throws {
        let key = SecretKey.random().base64
        let text = EnvTemplate.render(secretKey: key)
        for variable in ConfigVariable.all { #expect(text.contains("\(variable.name)="), "\(variable.name)") }
        let env = try EnvFile.parse(text)
        #expect(env.values["SECRET_KEY"] == key)
        let loader = ConfigLoader(environment: [:], envFile: nil)
        var resolved = try loader.resolve()
        resolved.values = env.values.mapValues { (value: $0, source: ConfigSource.envFile(".env")) }
        let (config, errors) = ConfigLoader.validate(resolved)
        #expect(errors.isEmpty)
        #expect(config.secretKey?.base64 == key)
    }

    @Test func completionsAreCurrent() async throws {
        let sandbox = try CLISandbox()
        for (shell, file) in [("bash", "chatctl.bash"), ("zsh", "_chatctl"), ("fish", "chatctl.fish")] {
            let result = try await sandbox.run(["--generate-completion-script", shell])
            let generated = result.stdoutBytes
            #expect(result.status == 0)
            let committed = try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("completions/\(file)"))
            #expect(generated == committed, "completions/\(file) is out of date: run scripts/gen-completions.sh")
        }
    }

    @Test(arguments: [("PROT", "PORT"), ("SECERT_KEY", "SECRET_KEY"), ("secret_key", "SECRET_KEY"), ("LOG_LEVL", "LOG_LEVEL"),
                      ("MONGO_HOSTS", "MONGO_HOST"), ("DATADIR", "DATA_DIR"), ("HOTS", "HOST")] as [(String, String)])
    func typosAreRecognised(typo: String, known: String) {
        #expect(ConfigCheck.closestKnown(typo) == known)
    }

    @Test(arguments: ["UNRELATED", "PATH", "DATABASE_URL", "X"])
    func unrelatedNamesAreNotTypos(name: String) {
        #expect(ConfigCheck.closestKnown(name) == nil)
    }

    @Test func editDistance() {
        #expect(EditDistance.between("", "abc") == 3)
        #expect(EditDistance.between("kitten", "sitting") == 3)
        #expect(EditDistance.between("ab", "ba") == 1)
        #expect(EditDistance.between("PORT", "PORT") == 0)
    }

    @Test func portProbe() throws {
        // A port we hold ourselves is in use.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect(PortProbe.probe(host: "127.0.0.1", port: port) == .inUse)
        if case .unresolvable = PortProbe.probe(host: "no-such-host.invalid", port: 8080) {} else { Issue.record("expected unresolvable") }
    }

    @Test func checkWithoutAnEnvFileOnDefaults() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let loader = ConfigLoader(environment: ["DATA_DIR": dir.appendingPathComponent("data").path, "PORT": "65001"], envFile: nil)
        var fixed = loader
        fixed.envFilePath = nil
        let report = await ConfigCheck(loader: fixed, storeTimeout: .seconds(60)).run()
        #expect(report.ok, "\(report.table)")
        #expect(report.items.first { $0.name == "SECRET_KEY" }?.status == .warn)
        #expect(report.json.hasPrefix("{\"ok\":true,\"items\":["))
    }

    @Test func checkCountsLegacyPasswords() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("chat.sqlite").path)
        try await store.prepare()
        try await store.createUser(UserRecord(id: ObjectIdGenerator().next(), login: "old", email: "old@example.com", password: "hunter2", created: nil))
        await store.close()
        var loader = ConfigLoader(environment: ["DATA_DIR": dir.path, "PORT": "65002"], envFile: nil)
        loader.envFilePath = nil
        let report = await ConfigCheck(loader: loader, storeTimeout: .seconds(60)).run()
        let item = try #require(report.items.first { $0.name == "passwords" })
        #expect(item.status == .warn)
        #expect(item.detail.contains("1 users"))
        #expect(item.detail.contains("old"))
    }

    @Test func userAdminValidatesLikeTheWeb() async throws {
        let store = try await makeSQLiteStore()
        let admin = UserAdmin(store: store, bcryptCost: 4)
        try await admin.add(login: "alice", email: "alice@example.com", password: "long enough")
        await #expect(throws: FixableError.self) { try await admin.add(login: "ALICE", email: "x@example.com", password: "long enough") }
        await #expect(throws: FixableError.self) { try await admin.add(login: "bob", email: "not-an-email", password: "long enough") }
        await #expect(throws: FixableError.self) { try await admin.add(login: "bob", email: "bob@example.com", password: "short") }
        await #expect(throws: FixableError.self) { try await admin.add(login: "bob", email: "bob@example.com", password: String(repeating: "x", count: 73)) }
        #expect(try await admin.list().map(\.login) == ["alice"])
        let json = UserAdmin.json(try await admin.list())
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(parsed.first?.keys.sorted() == ["created", "email", "id", "login"])
        #expect(UserAdmin.json([]) == "[]")
        await dispose(store)
    }
}
