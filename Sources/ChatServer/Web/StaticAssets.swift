import Foundation
import Mustache

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
