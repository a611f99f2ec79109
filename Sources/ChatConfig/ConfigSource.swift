import Foundation
import Logging

/// Where a configuration value came from, for messages that say what to fix.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case flag
    case environment
    case envFile(String)
    case defaultValue

    public var description: String {
        switch self {
        case .flag: "command-line flag"
        case .environment: "environment"
        case .envFile(let path): path
        case .defaultValue: "default"
        }
    }
}
