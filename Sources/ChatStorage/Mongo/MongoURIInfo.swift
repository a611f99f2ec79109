import CMongoc
import Foundation
import Logging

/// A parsed MongoDB URI, reduced to what may be shown: the host list, never the credentials.
struct MongoURIInfo: Sendable {
    /// "host1:27017,host2:27017", or the SRV name.
    var hosts: String
    /// The URI's password, if any, to scrub from anything the driver says.
    var secrets: [String]

    func scrub(_ text: String) -> String {
        var result = text.replacingOccurrences(of: "\n", with: " ")
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }
}
