import Foundation
import Logging

/// SECRET_KEY when configured; otherwise one generated once into DATA_DIR (0600) and reused after.
public enum SecretKeyStore {
    public static func resolve(_ config: AppConfig, logger: Logger) throws -> SecretKey {
        if let key = config.secretKey { return key }
        let path = config.secretKeyPath
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError(variable: "SECRET_KEY", message: "cannot read \(path)", fix: "check its permissions, or set SECRET_KEY")
            }
            do {
                return try SecretKey(text: text.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                throw ConfigError(variable: "SECRET_KEY", message: "\(path) holds no valid key (\(error))",
                                  fix: "delete it to generate a new one (everyone is logged out), or set SECRET_KEY")
            }
        }
        try DataDirectory.ensure(config.dataDirectory)
        let key = SecretKey.random()
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((key.base64 + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else {
            throw ConfigError(variable: "SECRET_KEY", message: "cannot write \(path)", fix: "make DATA_DIR writable, or set SECRET_KEY")
        }
        logger.warning("SECRET_KEY is not set: generated one into \(path); set SECRET_KEY (chatctl config init) to choose your own")
        return key
    }
}
