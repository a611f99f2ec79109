import ChatModel
import ChatAdmin
import ArgumentParser
import ChatConfig
import ChatStorage
import Foundation
import Logging

extension ConfigOptions {
    /// Loads the configuration and opens the store it selects, or exits 1 with one line saying what to fix.
    func openStore() async throws -> (AppConfig, any ChatStore) {
        let config: AppConfig
        do {
            config = try loader().load()
        } catch {
            throw fail("configuration: \(error)")
        }
        var logger = Logger(label: "chatctl")
        logger.logLevel = .error
        do {
            return (config, try await StoreFactory.open(config, logger: logger))
        } catch {
            let fix = config.usesMongo ? "start MongoDB or fix MONGO_HOST (`chatctl check` tells more)" : "check DATA_DIR (`chatctl check` tells more)"
            throw fail("cannot open the store: \(error); \(fix)")
        }
    }

    /// Runs `body` with the store open and closes it afterwards, whatever happens.
    func withStore<T>(_ body: (AppConfig, any ChatStore) async throws -> T) async throws -> T {
        let (config, store) = try await openStore()
        do {
            let result = try await body(config, store)
            await store.close()
            return result
        } catch let error as FixableError {
            await store.close()
            throw fail(error.description)
        } catch let error as ExitCode {
            await store.close()
            throw error
        } catch {
            await store.close()
            throw fail("\(error); `chatctl check` tells what is wrong with the setup")
        }
    }
}
