@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing

@Suite("Configuration")
struct ConfigTests {
    private func loader(flags: [String: String] = [:], env: [String: String] = [:], file: String? = nil) throws -> ConfigLoader {
        var path: String?
        if let file {
            path = (TestPaths.temporaryDirectory() as NSString).appendingPathComponent(".env")
            try file.write(toFile: path!, atomically: true, encoding: .utf8)
        }
        return ConfigLoader(flags: flags, environment: env, envFile: path)
    }

    @Test func precedenceIsFlagThenEnvironmentThenFileThenDefault() throws {
        let file = "PORT=1111\nHOST=10.0.0.1\nLOG_LEVEL=debug\nMONGO_DB_NAME=fromfile\n"
        let config = try loader(flags: ["PORT": "3333"], env: ["PORT": "2222", "HOST": "0.0.0.0"], file: file).load()
        #expect(config.port == 3333)
        #expect(config.host == "0.0.0.0")
        #expect(config.logLevel == .debug)
        #expect(config.mongoDatabase == "fromfile")
        #expect(config.dataDirectory == "./data")
        #expect(config.allowSignup)
    }

    @Test(arguments: [
        ("PORT", "0"), ("PORT", "65536"), ("PORT", "http"), ("PORT", "-1"), ("PORT", ""),
        ("HOST", "bad host"), ("HOST", "-x.example"), ("HOST", String(repeating: "a", count: 300)),
        ("LOG_LEVEL", "loud"), ("SECRET_KEY", "short"), ("SECRET_KEY", "!!!!"),
        ("SECRET_KEY", String(repeating: "ab", count: 31)),
        ("MONGO_HOST", "localhost:27017"), ("MONGO_DB_NAME", "a/b"), ("ALLOW_SIGNUP", "maybe"),
        ("ALLOWED_ORIGINS", "not an origin"), ("BCRYPT_COST", "3"), ("BCRYPT_COST", "32"),
        ("SESSION_TTL", "5s"), ("SESSION_TTL", "forever"), ("MAX_MESSAGE_BYTES", "0"),
        ("RATE_LIMIT", "-1"), ("RATE_BURST", "0"), ("OUTBOUND_BUFFER_BYTES", "10"),
        ("ALLOWED_ORIGINS", "https://*.example.com"), ("HEADER_TIMEOUT", "0"), ("KEEPALIVE_TIMEOUT", "soon"),
        ("MAX_CONNECTIONS", "0"), ("MAX_CONNECTIONS_PER_ADDRESS", "-3"), ("MAX_SOCKETS_PER_USER", "many"),
        ("SIGNUPS_PER_ADDRESS", "0"), ("DRAIN_TIMEOUT", "2h"),
    ])
    func invalidValuesAreRefusedWithAFix(name: String, value: String) throws {
        let (_, errors) = try loader(env: [name: value]).validate()
        let error = try #require(errors.first, "\(name)=\(value) was accepted")
        #expect(error.variable == name)
        #expect(!error.fix.isEmpty)
        #expect(!error.description.contains("\n"))
        #expect(error.message.contains("environment"))
    }

    @Test func validValuesAreAccepted() throws {
        let key = SecretKey.random()
        let hex = key.bytes.map { String(format: "%02x", $0) }.joined()
        let env = [
            "SECRET_KEY": hex, "HOST": "::1", "PORT": "65535", "ALLOW_SIGNUP": "no", "SESSION_TTL": "12h",
            "ALLOWED_ORIGINS": "https://chat.example.com, http://localhost:3000", "MONGO_HOST": "mongodb://db:27017/?replicaSet=rs0",
            "LOG_LEVEL": "TRACE", "BCRYPT_COST": "10",
        ]
        let config = try loader(env: env).load()
        #expect(config.secretKey == key)
        #expect(config.host == "::1")
        #expect(!config.allowSignup)
        #expect(config.sessionLifetime == .seconds(12 * 3600))
        #expect(config.allowedOrigins == ["https://chat.example.com", "http://localhost:3000"])
        #expect(config.usesMongo)
        #expect(config.logLevel == .trace)
        #expect(try loader(env: ["SECRET_KEY": key.base64]).load().secretKey == key)
        let urlSafe = key.base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(try loader(env: ["SECRET_KEY": urlSafe]).load().secretKey == key)
    }

    @Test func envFileSyntax() throws {
        let text = """
            # comment
            export HOST=0.0.0.0
            PORT = 9000 # trailing comment
            SECRET_KEY="quoted value # not a comment"
            EMPTY=
            MONGO_DB_NAME='single'\r
            """
        let file = try EnvFile.parse(text)
        #expect(file.values["HOST"] == "0.0.0.0")
        #expect(file.values["PORT"] == "9000")
        #expect(file.values["SECRET_KEY"] == "quoted value # not a comment")
        #expect(file.values["EMPTY"] == "")
        #expect(file.values["MONGO_DB_NAME"] == "single")
        #expect(file.entries.first?.line == 2)
    }

    @Test(arguments: ["JUSTAWORD", "1BAD=x", "BAD KEY=x", "X=\"unterminated", "=value"])
    func malformedEnvFilesNameTheLine(_ line: String) throws {
        #expect(throws: EnvFile.ParseError.self) { try EnvFile.parse("OK=1\n\(line)\n") }
        do {
            _ = try EnvFile.parse("OK=1\n\(line)\n")
        } catch let error as EnvFile.ParseError {
            #expect(error.line == 2)
        }
    }

    @Test func explicitEnvFileMustExistAndBeText() throws {
        let missing = ConfigLoader(flags: [:], environment: [:], envFile: "/nonexistent/.env")
        #expect(throws: EnvFile.ParseError.self) { try missing.load() }
        let path = (TestPaths.temporaryDirectory() as NSString).appendingPathComponent("binary.env")
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0xff, 0xfe, 0x00])))
        #expect(throws: EnvFile.ParseError.self) { try ConfigLoader(environment: [:], envFile: path).load() }
        let huge = (TestPaths.temporaryDirectory() as NSString).appendingPathComponent("huge.env")
        #expect(FileManager.default.createFile(atPath: huge, contents: Data(repeating: 0x41, count: EnvFile.maximumSize + 1)))
        #expect(throws: EnvFile.ParseError.self) { try ConfigLoader(environment: [:], envFile: huge).load() }
    }

    @Test func durations() {
        #expect(DurationParser.seconds("90") == 90)
        #expect(DurationParser.seconds("15m") == 900)
        #expect(DurationParser.seconds("24h") == 86400)
        #expect(DurationParser.seconds("7d") == 604_800)
        #expect(DurationParser.seconds("2w") == 1_209_600)
        #expect(DurationParser.seconds("") == nil)
        #expect(DurationParser.seconds("h") == nil)
        #expect(DurationParser.seconds("-5m") == nil)
        #expect(DurationParser.seconds("99999999999999999999d") == nil)
    }
}
