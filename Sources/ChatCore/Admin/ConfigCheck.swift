import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

public struct CheckItem: Sendable, Equatable {
    public enum Status: String, Sendable { case ok, warn, fail }

    public var name: String
    public var status: Status
    public var detail: String
    /// Empty when there is nothing to fix.
    public var fix: String

    public init(_ name: String, _ status: Status, _ detail: String, fix: String = "") {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

public struct CheckReport: Sendable, Equatable {
    public var items: [CheckItem]
    public var ok: Bool { !items.contains { $0.status == .fail } }

    /// `{"ok":bool,"items":[{"name","status","detail","fix"}]}`: stable keys and order.
    public var json: String {
        let rendered = items.map { item in
            "{\"name\":\(ExtendedJSON.quoted(item.name)),\"status\":\"\(item.status.rawValue)\",\"detail\":\(ExtendedJSON.quoted(item.detail)),\"fix\":\(ExtendedJSON.quoted(item.fix))}"
        }
        return "{\"ok\":\(ok),\"items\":[\n" + rendered.map { "  " + $0 }.joined(separator: ",\n") + "\n]}"
    }

    public var table: String {
        var rows = [["STATUS", "CHECK", "DETAIL"]]
        for item in items {
            rows.append([item.status.rawValue, item.name, item.detail])
            if !item.fix.isEmpty { rows.append(["", "", "fix: " + item.fix]) }
        }
        let failures = items.filter { $0.status == .fail }.count
        let warnings = items.filter { $0.status == .warn }.count
        return TextTable.render(rows) + "\n\n" + (ok ? "ok" : "failed") + ": \(failures) failed, \(warnings) warnings, \(items.count) checks"
    }
}

/// `chatctl check`: loads the configuration the way `serve` does and checks every item, reporting all of
/// them (never stopping at the first problem). Only reads: a missing SQLite file is not created.
public struct ConfigCheck: Sendable {
    public var loader: ConfigLoader
    /// How long the store may take to answer.
    public var storeTimeout: Duration

    public init(loader: ConfigLoader, storeTimeout: Duration = .seconds(5)) {
        self.loader = loader
        self.storeTimeout = storeTimeout
    }

    public func run() async -> CheckReport {
        var items: [CheckItem] = []
        var loader = loader

        // The .env file itself.
        var envFile: EnvFile?
        if let path = loader.envFilePath {
            do {
                envFile = try EnvFile.load(path: path)
                items.append(CheckItem("env file", .ok, "\(path): \(envFile!.entries.count) variables"))
            } catch {
                items.append(CheckItem("env file", .fail, "\(error)", fix: "fix the line, or start from `chatctl config init --path \(path).new`"))
                loader.envFilePath = nil
                loader.envFileRequired = false
            }
        } else {
            items.append(CheckItem("env file", .ok, "none (no ./.env; using the environment and defaults)"))
        }

        let resolved: ConfigLoader.Resolved
        let config: AppConfig
        let errors: [ConfigError]
        do {
            resolved = try loader.resolve()
            (config, errors) = ConfigLoader.validate(resolved)
        } catch {
            items.append(CheckItem("configuration", .fail, "\(error)", fix: "fix the .env file"))
            return CheckReport(items: items)
        }
        let failed = Set(errors.map(\.variable))
        for error in errors {
            items.append(CheckItem(error.variable, .fail, error.message, fix: error.fix))
        }

        // Typos in the .env file.
        if let envFile {
            for entry in envFile.entries where !ConfigVariable.names.contains(entry.key) {
                if let match = Self.closestKnown(entry.key) {
                    items.append(CheckItem(entry.key, .warn, "line \(entry.line): unknown variable \(entry.key), probably a typo of \(match); it is ignored",
                                           fix: "rename it to \(match)"))
                }
            }
        }

        if !failed.contains("HOST") {
            items.append(CheckItem("HOST", .ok, "\(config.host) (\(resolved.source("HOST")))"))
        }
        if !failed.contains("HOST") && !failed.contains("PORT") {
            items.append(Self.checkPort(host: config.host, port: config.port, source: resolved.source("PORT")))
        }
        if !failed.contains("SECRET_KEY") {
            items.append(Self.checkSecret(config: config, source: resolved.source("SECRET_KEY")))
        }
        if !failed.contains("DATA_DIR") {
            items.append(Self.checkDataDirectory(config.dataDirectory, needed: !config.usesMongo || config.secretKey == nil))
        }
        if let uri = config.mongoURI {
            items.append(Self.checkMongoURI(uri))
        }
        if !failed.contains("MONGO_HOST") && !failed.contains("DATA_DIR") {
            items += await checkStore(config)
        }
        return CheckReport(items: items)
    }

    // MARK: items

    static func checkPort(host: String, port: Int, source: ConfigSource) -> CheckItem {
        switch PortProbe.probe(host: host, port: port) {
        case .free:
            return CheckItem("PORT", .ok, "\(host):\(port) is free (\(source))")
        case .inUse:
            return CheckItem("PORT", .warn, "\(host):\(port) is in use: a running chatctl serve, or another program",
                             fix: "if it is not chatctl, stop that program or choose another PORT")
        case .denied:
            return CheckItem("PORT", .fail, "not allowed to listen on \(host):\(port)", fix: "use a PORT above 1023, or grant CAP_NET_BIND_SERVICE")
        case .unresolvable(let why):
            return CheckItem("PORT", .fail, "cannot listen on \(host):\(port): \(why)", fix: "set HOST to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0")
        }
    }

    static func checkSecret(config: AppConfig, source: ConfigSource) -> CheckItem {
        if config.secretKey != nil {
            return CheckItem("SECRET_KEY", .ok, "set, 32 bytes (\(source))")
        }
        let path = config.secretKeyPath
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            if (try? SecretKey(text: text.trimmingCharacters(in: .whitespacesAndNewlines))) != nil {
                return CheckItem("SECRET_KEY", .ok, "not set; using the key generated in \(path)")
            }
            return CheckItem("SECRET_KEY", .fail, "not set, and \(path) does not hold a valid key",
                             fix: "delete \(path) (sessions will be logged out) or set SECRET_KEY with `chatctl config init`")
        }
        return CheckItem("SECRET_KEY", .warn, "not set; serve will generate one into \(path)",
                         fix: "set SECRET_KEY (e.g. `chatctl config init`) so every instance shares one key")
    }

    static func checkDataDirectory(_ path: String, needed: Bool) -> CheckItem {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                return CheckItem("DATA_DIR", needed ? .fail : .warn, "\(path) is a file, not a directory", fix: "point DATA_DIR at a directory")
            }
            let probe = (path as NSString).appendingPathComponent(".chatctl-check-\(getpid())")
            let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 {
                return CheckItem("DATA_DIR", needed ? .fail : .warn, "\(path) is not writable (\(String(cString: strerror(errno))))",
                                 fix: "fix its permissions (chown/chmod) or choose another DATA_DIR")
            }
            close(fd)
            unlink(probe)
            return CheckItem("DATA_DIR", .ok, "\(path) is writable")
        }
        // It will be created: its nearest existing ancestor must be writable.
        var ancestor = (path as NSString).deletingLastPathComponent
        if ancestor.isEmpty { ancestor = "." }
        while !FileManager.default.fileExists(atPath: ancestor), ancestor != "/", !ancestor.isEmpty {
            ancestor = (ancestor as NSString).deletingLastPathComponent
            if ancestor.isEmpty { ancestor = "." }
        }
        if access(ancestor, W_OK) == 0 {
            return CheckItem("DATA_DIR", .ok, "\(path) does not exist yet; it will be created")
        }
        return CheckItem("DATA_DIR", needed ? .fail : .warn, "\(path) does not exist and \(ancestor) is not writable",
                         fix: "create \(path) with the right owner, or choose another DATA_DIR")
    }

    static func checkMongoURI(_ uri: String) -> CheckItem {
        if let problem = MongoURICheck.problem(uri) {
            return CheckItem("MONGO_HOST", .fail, problem, fix: "use mongodb://[user:password@]host[:port][,host…][/database][?options]")
        }
        return CheckItem("MONGO_HOST", .ok, "\(MongoURICheck.redacted(uri)) parses")
    }

    func checkStore(_ config: AppConfig) async -> [CheckItem] {
        let name = config.usesMongo ? "store (MongoDB)" : "store (SQLite)"
        if !config.usesMongo, !FileManager.default.fileExists(atPath: config.sqlitePath) {
            return [CheckItem(name, .ok, "\(config.sqlitePath) does not exist yet; serve creates it")]
        }
        var quiet = Logger(label: "chatctl.check")
        quiet.logLevel = .critical
        let logger = quiet
        let timeout = storeTimeout
        let result: Result<[CheckItem], any Error> = await Deadline.run(timeout) {
            let store = try await StoreFactory.open(config, logger: logger)
            do {
                try await store.ping()
                let users = try await store.allUsers()
                await store.close()
                let legacy = users.filter(\.hasLegacyPlainTextPassword)
                var items = [CheckItem(name, .ok, "reachable; schema and indexes in place (\(users.count) users)")]
                if legacy.isEmpty {
                    items.append(CheckItem("passwords", .ok, "all \(users.count) stored passwords are bcrypt hashes"))
                } else {
                    let names = legacy.prefix(5).map(\.login).joined(separator: ", ") + (legacy.count > 5 ? ", …" : "")
                    items.append(CheckItem("passwords", .warn, "\(legacy.count) users still have plain-text passwords from the original app (\(names))",
                                           fix: "each is hashed at its owner's next login; or reset with `chatctl user passwd LOGIN`"))
                }
                return items
            } catch {
                await store.close()
                throw error
            }
        }
        switch result {
        case .success(let items): return items
        case .failure(let error):
            let fix = config.usesMongo ? "start MongoDB or fix MONGO_HOST" : "check \(config.sqlitePath) (permissions, disk, not a SQLite file?)"
            return [CheckItem(name, .fail, "not reachable: \(error)", fix: fix)]
        }
    }

    /// The known variable within edit distance 2 (case-insensitive) of `name`, if any.
    public static func closestKnown(_ name: String) -> String? {
        let upper = name.uppercased()
        var best: (String, Int)?
        for known in ConfigVariable.all.map(\.name) {
            let distance = EditDistance.between(upper, known)
            if distance <= 2, distance < (best?.1 ?? Int.max) { best = (known, distance) }
        }
        return best?.0
    }
}

public enum EditDistance {
    /// Damerau-Levenshtein (optimal string alignment): a swap of two neighbours counts as one edit.
    public static func between(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[x.count][y.count]
    }
}

/// Runs `operation`, but returns a failure after `timeout` even if it never answers (it is left to finish alone).
enum Deadline {
    static func run<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        let once = Once<Result<T, any Error>>()
        return await withCheckedContinuation { continuation in
            once.set(continuation)
            Task {
                do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(.failure(StoreError.unavailable("no answer within \(timeout)")))
            }
        }
    }

    final class Once<Value: Sendable>: Sendable {
        private let state = Mutex<(CheckedContinuation<Value, Never>?, Bool)>((nil, false))
        func set(_ continuation: CheckedContinuation<Value, Never>) { state.withLock { $0.0 = continuation } }
        func resume(_ value: Value) {
            let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
                guard !state.1, let continuation = state.0 else { return nil }
                state.1 = true
                return continuation
            }
            continuation?.resume(returning: value)
        }
    }
}

enum PortProbe {
    enum Result: Equatable { case free, inUse, denied, unresolvable(String) }

    /// Tries to bind (without listening for long) the address `serve` would.
    static func probe(host: String, port: Int) -> Result {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { return .unresolvable(String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .unresolvable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            switch errno {
            case EADDRINUSE: return .inUse
            case EACCES: return .denied
            default: return .unresolvable(String(cString: strerror(errno)))
            }
        }
        return .free
    }
}

enum MongoURICheck {
    /// Why `uri` is not a usable MongoDB connection string, or nil.
    static func problem(_ uri: String) -> String? {
        let scheme: String
        if uri.hasPrefix("mongodb://") { scheme = "mongodb://" } else if uri.hasPrefix("mongodb+srv://") { scheme = "mongodb+srv://" } else {
            return "not a MongoDB URI (must start with mongodb:// or mongodb+srv://)"
        }
        var rest = Substring(uri.dropFirst(scheme.count))
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            let database = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if database.contains(where: { " \"$*<>:|\\".contains($0) }) { return "the database name in the URI has a forbidden character" }
            rest = rest[..<slash]
        } else if rest.contains("?") {
            return "options must follow a '/' (mongodb://host/?options)"
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            if credentials.isEmpty { return "empty credentials before '@'" }
            rest = rest[rest.index(after: at)...]
        }
        let hosts = rest.split(separator: ",", omittingEmptySubsequences: false)
        if hosts.isEmpty || hosts.contains(where: \.isEmpty) { return "no host in the URI" }
        if scheme == "mongodb+srv://", hosts.count != 1 || hosts[0].contains(":") {
            return "mongodb+srv:// takes exactly one host name and no port"
        }
        for host in hosts {
            var name = Substring(host)
            var port: Substring?
            if name.hasPrefix("[") {
                guard let close = name.firstIndex(of: "]") else { return "unterminated IPv6 address in the URI" }
                let after = name[name.index(after: close)...]
                if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty { return "bad host '\(host)'" }
                name = name[name.index(after: name.startIndex)..<close]
            } else if let colon = name.lastIndex(of: ":") {
                port = name[name.index(after: colon)...]
                name = name[..<colon]
            }
            if name.isEmpty { return "empty host name in the URI" }
            if let port {
                guard let number = Int(port), (1...65535).contains(number) else { return "port '\(port)' in the URI is not a number from 1 to 65535" }
            }
            if !name.contains(":") && !name.hasSuffix(".sock") && !HostValidator.isValid(String(name)) {
                return "'\(name)' is not a host name"
            }
        }
        return nil
    }

    /// The URI with any password replaced by ***.
    static func redacted(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://"), let at = uri.range(of: "@", options: .backwards),
            at.lowerBound > schemeEnd.upperBound
        else { return uri }
        let credentials = uri[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at.lowerBound...])
    }
}
