import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension RawSocket {
    /// Everything the server wrote until it closed, also when it ends with a reset (a server that refuses a
    /// request it did not read resets the connection once the client has had time to read the answer).
    func readUntilClosed() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = recv(descriptor, &buffer, buffer.count, 0)
            if received <= 0 { return result }
            result += buffer.prefix(received)
        }
    }
}
