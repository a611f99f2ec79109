import Foundation

/// Where the tests find the package and the binary they run.
enum TestPaths {
    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chatctl-test-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Creates (or empties) a file, failing the test's set-up when it cannot.
    static func createFile(_ path: String, contents: Data? = nil) throws {
        guard FileManager.default.createFile(atPath: path, contents: contents) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `chatctl`: in `CHATCTL_BIN_PATH` (scripts/run-tests.sh sets it from `swift build --show-bin-path`),
    /// else in the directory `swift build --show-bin-path` names, asked once.
    static let chatctlBinary: URL = binDirectory.appendingPathComponent("chatctl")

    private static let binDirectory: URL = {
        if let path = ProcessInfo.processInfo.environment["CHATCTL_BIN_PATH"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "build", "--show-bin-path"]
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            fatalError("cannot run swift build --show-bin-path: \(error); set CHATCTL_BIN_PATH")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !path.isEmpty else { fatalError("swift build --show-bin-path failed; set CHATCTL_BIN_PATH") }
        return URL(fileURLWithPath: path)
    }()
}
