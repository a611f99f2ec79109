// chatbench's failure type and its writers to stderr and stdout.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func log(_ s: String) { writeStderr("chatbench: " + s + "\n") }

func writeFD(_ fd: Int32, _ s: String) {
    var s = s
    s.withUTF8 { p in
        var off = 0
        while off < p.count {
            let n = write(fd, p.baseAddress! + off, p.count - off)
            if n < 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }
}

func writeStderr(_ s: String) { writeFD(2, s) }
func writeStdout(_ s: String) { writeFD(1, s) }
