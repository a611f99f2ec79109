import Foundation
import Logging

/// Opens the store the configuration selects: MongoDB when MONGO_HOST is set, else SQLite in DATA_DIR.
public enum StoreFactory {
    public static func open(_ config: AppConfig, logger: Logger) async throws -> any ChatStore {
        let store: any ChatStore
        if let uri = config.mongoURI {
            store = try MongoStore(uri: uri, database: config.mongoDatabase, threads: config.mongoThreads, logger: logger)
        } else {
            try DataDirectory.ensure(config.dataDirectory)
            store = try SQLiteStore(path: config.sqlitePath)
        }
        do {
            try await store.prepare()
        } catch {
            await store.close()
            throw error
        }
        return store
    }
}

public enum DataDirectory {
    public static func ensure(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreError.unavailable("DATA_DIR \(path) is a file, not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.unavailable("cannot create DATA_DIR \(path): \(error.localizedDescription)")
        }
    }
}
