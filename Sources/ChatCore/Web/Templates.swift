import Foundation
import Mustache

/// The HTML pages, Mustache templates embedded in the binary: `chatctl` serves from any directory.
/// Mustache's `{{ }}` escapes HTML, so user text cannot become markup.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    public init() throws {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("layout_head", PackageResources.layout_head_mustache),
            ("layout_foot", PackageResources.layout_foot_mustache),
            ("login", PackageResources.login_mustache),
            ("signin", PackageResources.signin_mustache),
            ("chat", PackageResources.chat_mustache),
        ]
        for (name, bytes) in templates {
            library.register(try MustacheTemplate(string: String(decoding: bytes, as: UTF8.self)), named: name)
        }
        self.library = library
    }

    public func render(_ page: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: page) ?? ""
    }
}

/// CSS and JavaScript, embedded in the binary.
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
        let etag: String
    }

    let assets: [String: Asset]

    init() {
        func asset(_ bytes: [UInt8], _ type: String) -> Asset {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: a cache validator, not security
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Asset(bytes: bytes, contentType: type, etag: "\"\(String(hash, radix: 16))\"")
        }
        assets = [
            "chat.js": asset(PackageResources.chat_js, "text/javascript; charset=utf-8"),
            "chat.css": asset(PackageResources.chat_css, "text/css; charset=utf-8"),
        ]
    }
}
