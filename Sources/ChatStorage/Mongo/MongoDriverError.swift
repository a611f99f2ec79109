import CMongoc
import Foundation
import Logging

/// What libmongoc reported in a `bson_error_t`, copied out so it can be thrown.
struct MongoDriverError: Error {
    var domain: UInt32
    var code: UInt32
    var message: String
    /// A bulk write's per-document error: the position of that document in the batch.
    var index: Int?

    init(_ error: bson_error_t) {
        domain = error.domain
        code = error.code
        message = withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    init(domain: UInt32, code: UInt32, message: String) {
        self.domain = domain
        self.code = code
        self.message = message
    }

    static let duplicateKey: UInt32 = 11000
    static let namespaceNotFound: UInt32 = 26

    var isDuplicateKey: Bool { code == Self.duplicateKey }

    /// Server selection and socket errors: the server (or the network to it) is down.
    var isUnreachable: Bool {
        domain == MONGOC_ERROR_SERVER_SELECTION.rawValue || domain == MONGOC_ERROR_STREAM.rawValue
    }

    /// The name of the unique index an E11000 message names ("... index: login_ci dup key: ..."), if any.
    var duplicateIndexName: String? {
        guard let range = message.range(of: "index: ") else { return nil }
        return message[range.upperBound...].prefix(while: { $0 != " " }).description
    }
}
