import ChatConfig
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
