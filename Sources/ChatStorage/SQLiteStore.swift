import ChatModel
import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite file in WAL mode, through GRDB.
public final class SQLiteStore: ChatStore {
    private let pool: DatabasePool
    public let path: String
    /// While `runMaintenance` runs, every commit is told to it here.
    private let commitListener = Mutex<AsyncStream<Void>.Continuation?>(nil)

    public init(path: String) throws {
        self.path = path
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
        } catch {
            throw StoreError.unavailable("cannot open \(path): \(Self.describe(error))")
        }
    }

    /// Every connection to the file: wait for locks rather than fail, and no fsync per commit in WAL mode.
    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// Brings the file's schema up to date through GRDB's migrator, which records what it applied in
    /// `grdb_migrations`. Files from before the migrator have the tables of `v1` and no record of it: `v1` creates
    /// only what is missing, so it adopts them as they are, data and all. Every migration is idempotent, and a
    /// failed attempt is retried, because two processes that prepare one file at once (a `chatctl user` command
    /// during the server's start) may both try to apply the same migration: the loser's insert into
    /// `grdb_migrations` fails, and its next attempt finds that migration applied. Each collision means one more
    /// migration is applied, so as many retries as there are migrations always get through.
    public func prepare() async throws {
        var retries = Self.migrator.migrations.count
        while true {
            do {
                return try await migrate()
            } catch where retries > 0 {
                retries -= 1
            }
        }
    }

    private func migrate() async throws {
        let migrator = Self.migrator
        let pool = self.pool
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                migrator.asyncMigrate(pool) { result in continuation.resume(with: result.map { _ in () }) }
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The schema, one migration per change; never edit one that has shipped, add another.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // The schema before migrations, exactly as `prepare()` created it then.
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS users (
                    id TEXT PRIMARY KEY NOT NULL,
                    login TEXT NOT NULL COLLATE NOCASE UNIQUE,
                    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
                    password TEXT NOT NULL,
                    created INTEGER
                );
                CREATE TABLE IF NOT EXISTS messages (
                    id TEXT PRIMARY KEY NOT NULL,
                    user TEXT NOT NULL,
                    msg TEXT NOT NULL,
                    time INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS messages_time ON messages(time, id);
                CREATE INDEX IF NOT EXISTS messages_user ON messages(user, time, id);
                """)
        }
        migrator.registerMigration("v2-sessions") { db in
            // Times in milliseconds since 1970, as everywhere in this file; `ended` NULL until ended. The partial
            // index serves the revocation poll (`ended >= ?` implies `ended IS NOT NULL`) and holds ended sessions only.
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    address TEXT NOT NULL,
                    user_agent TEXT NOT NULL,
                    expires INTEGER NOT NULL,
                    ended INTEGER
                );
                CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id, created);
                CREATE INDEX IF NOT EXISTS sessions_ended ON sessions(ended) WHERE ended IS NOT NULL;
                CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);
                """)
        }
        return migrator
    }

    /// The migrations applied to the file, in order (for tests and `chatctl check`).
    func appliedMigrations() async throws -> [String] {
        let migrator = Self.migrator
        return try await read { db in try migrator.appliedMigrations(db) }
    }

    /// SQLite's plan for `sql`, one detail line per step (tests check that queries use their indexes).
    func queryPlan(_ sql: String, _ arguments: StatementArguments = StatementArguments()) async throws -> [String] {
        try await read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String? ?? "" }
        }
    }

    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async {
        try? pool.close()
    }

    /// Checkpoints the WAL from a connection of its own while serving.
    ///
    /// SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages, so every few
    /// thousand messages one broadcast waited for a checkpoint (and its fsync): that was the p99 of
    /// delivery latency. A PASSIVE checkpoint never blocks the writer, so commits stay short and the WAL
    /// stays bounded; automatic checkpoints come back when serving ends. It waits for a commit, then lets
    /// `checkpointInterval` of them gather: an idle server never wakes for it (it woke 10 times a second,
    /// ~90 context switches a second, all of an idle server's).
    public func runMaintenance() async {
        do {
            try await pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        } catch {
            return
        }
        if let checkpointer = try? DatabaseQueue(path: path, configuration: Self.configuration()) {
            let (commits, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            commitListener.withLock { $0 = continuation }
            // Ends when this task is cancelled. A commit during the sleep or the checkpoint is buffered, so the
            // last commits before a quiet spell are checkpointed too.
            for await _ in commits {
                do { try await Task.sleep(for: Self.checkpointInterval) } catch { break }
                _ = try? await checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
            commitListener.withLock { $0 = nil }
            continuation.finish()
            try? checkpointer.close()
        }
        // This task is cancelled by now and GRDB refuses work in cancelled tasks: restore from a fresh one.
        let pool = self.pool
        await Task {
            _ = try? await pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
        }.value
    }

    static let checkpointInterval = Duration.milliseconds(100)

    /// The writer's automatic-checkpoint threshold in pages (0 while `runMaintenance` checkpoints instead).
    func walAutoCheckpoint() async throws -> Int {
        try await pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") ?? -1 }
    }

    // MARK: users

    public func createUser(_ user: UserRecord) async throws {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE login = ?", arguments: [user.login]) == true {
                throw StoreError.loginTaken(user.login)
            }
            do {
                try db.execute(
                    sql: "INSERT INTO users (id, login, email, password, created) VALUES (?, ?, ?, ?, ?)",
                    arguments: [user.id.hex, user.login, user.email, user.password, user.created?.millisecondsSince1970])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                if error.message?.contains("users.login") == true { throw StoreError.loginTaken(user.login) }
                throw StoreError.emailTaken(user.email)
            }
        }
    }

    public func user(id: ObjectId) async throws -> UserRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id.hex]).map(Self.user) }
    }

    public func user(login: String) async throws -> UserRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE login = ?", arguments: [login]).map(Self.user) }
    }

    public func allUsers() async throws -> [UserRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY login").map(Self.user) }
    }

    public func setPassword(userID: ObjectId, password: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE users SET password = ? WHERE id = ?", arguments: [password, userID.hex])
            return db.changesCount > 0
        }
    }

    public func removeUser(login: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM users WHERE login = ?", arguments: [login])
            return db.changesCount > 0
        }
    }

    // MARK: sessions

    public func createSession(_ session: SessionRecord) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, user_id, created, last_seen, address, user_agent, expires, ended)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [session.id.hex, session.userID.hex, session.created.millisecondsSince1970,
                            session.lastSeen.millisecondsSince1970, session.address, session.userAgent,
                            session.expires.millisecondsSince1970, session.ended?.millisecondsSince1970])
        }
    }

    public func session(id: SessionID) async throws -> SessionRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ?", arguments: [id.hex]).map(Self.session)
        }
    }

    public func touchSession(id: SessionID, at time: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE sessions SET last_seen = ? WHERE id = ? AND last_seen < ?",
                           arguments: [time.millisecondsSince1970, id.hex, time.millisecondsSince1970])
        }
    }

    public func sessions(userID: ObjectId) async throws -> [SessionRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sessions WHERE user_id = ? ORDER BY created DESC, id DESC",
                             arguments: [userID.hex]).map(Self.session)
        }
    }

    public func endSession(id: SessionID, at time: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE sessions SET ended = ? WHERE id = ? AND ended IS NULL",
                           arguments: [time.millisecondsSince1970, id.hex])
            return db.changesCount > 0
        }
    }

    public func endSessions(userID: ObjectId, at time: Date) async throws -> Int {
        try await write { db in
            let ms = time.millisecondsSince1970
            try db.execute(sql: "UPDATE sessions SET ended = ? WHERE user_id = ? AND ended IS NULL AND expires > ?",
                           arguments: [ms, userID.hex, ms])
            return db.changesCount
        }
    }

    public func sessionsEnded(since: Date, now: Date) async throws -> [SessionRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: Self.sessionsEndedSQL,
                             arguments: [since.millisecondsSince1970, since.millisecondsSince1970, now.millisecondsSince1970])
                .map(Self.session)
        }
    }

    /// Two indexed scans (`sessions_ended`, `sessions_expires`), not one scan of the table.
    static let sessionsEndedSQL = """
        SELECT * FROM sessions WHERE ended >= ?1
        UNION ALL
        SELECT * FROM sessions WHERE expires >= ?2 AND expires <= ?3 AND ended IS NULL
        """

    public func purgeSessions(expiredBefore cutoff: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires < ?", arguments: [cutoff.millisecondsSince1970])
            return db.changesCount
        }
    }

    // MARK: messages

    public func appendMessages(_ messages: [ChatMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await write { db in try Self.insert(messages, db) }
    }

    public func appendMessagesBlocking(_ messages: [ChatMessage]) throws {
        guard !messages.isEmpty else { return }
        // GRDB's synchronous write runs on the calling thread when its writer queue is idle.
        do { try pool.write { db in try Self.insert(messages, db) } } catch { throw Self.storeError(error) }
        committed()
    }

    private static func insert(_ messages: [ChatMessage], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO messages (id, user, msg, time) VALUES (?, ?, ?, ?)")
        for message in messages {
            try statement.execute(arguments: [message.id.hex, message.user, message.text, message.time.millisecondsSince1970])
        }
    }

    public func messages(before cursor: ObjectId?, limit: Int) async throws -> [ChatMessage] {
        try await read { db in
            guard let cursor else {
                return try Row.fetchAll(db, sql: "SELECT * FROM messages ORDER BY time DESC, id DESC LIMIT ?", arguments: [limit])
                    .map(Self.message)
            }
            let time = try Self.time(of: cursor, db)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM messages WHERE (time, id) < (?, ?) ORDER BY time DESC, id DESC LIMIT ?",
                arguments: [time, cursor.hex, limit]
            ).map(Self.message)
        }
    }

    public func message(id: ObjectId) async throws -> ChatMessage? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM messages WHERE id = ?", arguments: [id.hex]).map(Self.message)
        }
    }

    public func messages(after cursor: ObjectId, limit: Int) async throws -> [ChatMessage] {
        try await read { db in
            let time = try Self.time(of: cursor, db)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM messages WHERE (time, id) > (?, ?) ORDER BY time, id LIMIT ?",
                arguments: [time, cursor.hex, limit]
            ).map(Self.message)
        }
    }

    public func messages(matching filter: MessageFilter, after position: ChatMessage?, limit: Int) async throws -> [ChatMessage] {
        try await read { db in
            var (clauses, arguments) = Self.whereClause(filter)
            if let position {
                clauses.append("(time, id) > (?, ?)")
                arguments += [position.time.millisecondsSince1970, position.id.hex]
            }
            let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments += [limit]
            return try Row.fetchAll(
                db, sql: "SELECT * FROM messages \(condition) ORDER BY time, id LIMIT ?", arguments: StatementArguments(arguments)
            ).map(Self.message)
        }
    }

    public func countMessages(matching filter: MessageFilter) async throws -> Int {
        try await read { db in
            let (clauses, arguments) = Self.whereClause(filter)
            let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages \(condition)", arguments: StatementArguments(arguments)) ?? 0
        }
    }

    public func importMessages(_ messages: [ChatMessage], mode: ImportMode) async throws -> ImportOutcome {
        try await write { db in
            var outcome = ImportOutcome()
            switch mode {
            case .insert:
                let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO messages (id, user, msg, time) VALUES (?, ?, ?, ?)")
                for message in messages {
                    try statement.execute(arguments: [message.id.hex, message.user, message.text, message.time.millisecondsSince1970])
                    if db.changesCount > 0 { outcome.inserted += 1 } else { outcome.duplicates += 1 }
                }
            case .upsert:
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM messages WHERE id = ?")
                let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO messages (id, user, msg, time) VALUES (?, ?, ?, ?)")
                for message in messages {
                    let existed = try Bool.fetchOne(exists, arguments: [message.id.hex]) == true
                    try statement.execute(arguments: [message.id.hex, message.user, message.text, message.time.millisecondsSince1970])
                    if existed { outcome.replaced += 1 } else { outcome.inserted += 1 }
                }
            }
            return outcome
        }
    }

    // MARK: helpers

    private static func whereClause(_ filter: MessageFilter) -> ([String], [any DatabaseValueConvertible]) {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let since = filter.since {
            clauses.append("time >= ?")
            arguments.append(since.millisecondsSince1970)
        }
        if let until = filter.until {
            clauses.append("time < ?")
            arguments.append(until.millisecondsSince1970)
        }
        if let user = filter.user {
            clauses.append("user = ?")
            arguments.append(user)
        }
        return (clauses, arguments)
    }

    private static func time(of cursor: ObjectId, _ db: Database) throws -> Int64 {
        guard let time = try Int64.fetchOne(db, sql: "SELECT time FROM messages WHERE id = ?", arguments: [cursor.hex]) else {
            throw StoreError.unknownCursor(cursor.hex)
        }
        return time
    }

    private static func user(_ row: Row) throws -> UserRecord {
        guard let id = ObjectId(hex: row["id"] as String) else { throw StoreError.corrupt("user id \(row["id"] as String? ?? "?")") }
        let created: Int64? = row["created"]
        return UserRecord(id: id, login: row["login"], email: row["email"], password: row["password"],
                          created: created.map { Date(millisecondsSince1970: $0) })
    }

    private static func session(_ row: Row) throws -> SessionRecord {
        guard let id = SessionID(hex: row["id"] as String) else { throw StoreError.corrupt("session id \(row["id"] as String? ?? "?")") }
        guard let userID = ObjectId(hex: row["user_id"] as String) else { throw StoreError.corrupt("session \(id.hex) has no user id") }
        let ended: Int64? = row["ended"]
        return SessionRecord(id: id, userID: userID, created: Date(millisecondsSince1970: row["created"]),
                             lastSeen: Date(millisecondsSince1970: row["last_seen"]), address: row["address"],
                             userAgent: row["user_agent"], expires: Date(millisecondsSince1970: row["expires"]),
                             ended: ended.map { Date(millisecondsSince1970: $0) })
    }

    private static func message(_ row: Row) throws -> ChatMessage {
        guard let id = ObjectId(hex: row["id"] as String) else { throw StoreError.corrupt("message id \(row["id"] as String? ?? "?")") }
        return ChatMessage(id: id, user: row["user"], text: row["msg"], time: Date(millisecondsSince1970: row["time"]))
    }

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw Self.storeError(error) }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        let result: T
        do { result = try await pool.write(body) } catch { throw Self.storeError(error) }
        committed()
        return result
    }

    private func committed() {
        commitListener.withLock { $0 }?.yield()
    }

    /// Our own errors as they are, GRDB's and SQLite's as `unavailable`.
    private static func storeError(_ error: any Error) -> StoreError {
        error as? StoreError ?? .unavailable(describe(error))
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
