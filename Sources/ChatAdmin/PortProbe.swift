import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum PortProbe {
    enum Result: Equatable { case free, inUse, denied, unresolvable(String) }

    /// Tries to bind (without listening for long) the address `serve` would.
    static func probe(host: String, port: Int) -> Result {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { return .unresolvable(String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .unresolvable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            switch errno {
            case EADDRINUSE: return .inUse
            case EACCES: return .denied
            default: return .unresolvable(String(cString: strerror(errno)))
            }
        }
        return .free
    }
}
