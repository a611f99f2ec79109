import CMongoc
import Foundation
import Logging
import Synchronization

struct FeedRegistry {
    var closed = false
    var followers: [ObjectIdentifier: FeedControl] = [:]
}
