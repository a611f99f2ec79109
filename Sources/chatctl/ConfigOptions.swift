import ArgumentParser
import ChatConfig
import Foundation

/// The configuration flags shared by every command that touches the store.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: ArgumentHelp("Read configuration from this .env file (default: ./.env when present).", valueName: "path"))
    var envFile: String?

    /// Flag values by variable name, for the loader; the highest-precedence source.
    func loader(flags: [String: String] = [:]) -> ConfigLoader {
        ConfigLoader(flags: flags, envFile: envFile)
    }
}
