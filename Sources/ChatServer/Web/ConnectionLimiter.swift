import Synchronization

/// Caps open connections in all and per client address: one client cannot take every descriptor the server
/// has, and a flood is turned away at once rather than left in the accept queue.
final class ConnectionLimiter: Sendable {
    private struct Counts {
        var total = 0
        var byAddress: [String: Int] = [:]
    }

    let maxTotal: Int
    let maxPerAddress: Int
    private let counts = Mutex(Counts())

    init(maxTotal: Int, maxPerAddress: Int) {
        self.maxTotal = maxTotal
        self.maxPerAddress = maxPerAddress
    }

    enum Verdict: Equatable {
        case admitted
        case tooManyInAll
        case tooManyFromAddress
    }

    /// Counts the connection in when there is room; every admitted connection must be `release`d once.
    func admit(address: String) -> Verdict {
        counts.withLock { counts in
            guard counts.total < maxTotal else { return .tooManyInAll }
            let fromAddress = counts.byAddress[address, default: 0]
            guard fromAddress < maxPerAddress else { return .tooManyFromAddress }
            counts.total += 1
            counts.byAddress[address] = fromAddress + 1
            return .admitted
        }
    }

    func release(address: String) {
        counts.withLock { counts in
            counts.total -= 1
            let left = counts.byAddress[address, default: 1] - 1
            counts.byAddress[address] = left > 0 ? left : nil
        }
    }

    var openConnections: Int { counts.withLock { $0.total } }
}
