import Foundation

/// `DATA_DIR`: made on first use, private to the server's user.
public enum DataDirectory {
    public static func ensure(_ path: String) throws(ConfigError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ConfigError(variable: "DATA_DIR", message: "\(path) is a file, not a directory", fix: "point DATA_DIR at a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigError(variable: "DATA_DIR", message: "cannot create \(path): \(error.localizedDescription)",
                              fix: "create it, or point DATA_DIR at a writable directory")
        }
    }
}
