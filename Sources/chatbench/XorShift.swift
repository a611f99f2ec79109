#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small xorshift generator: cheap mask keys and ids, not cryptographic.
struct XorShift {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E3779B97F4A7C15 : seed }
    @inline(__always) mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

func randomSeed() -> UInt64 {
    var v: UInt64 = 0
    let fd = open("/dev/urandom", O_RDONLY)
    if fd >= 0 {
        _ = withUnsafeMutableBytes(of: &v) { read(fd, $0.baseAddress, 8) }
        close(fd)
    }
    return v ^ UInt64(bitPattern: wallNow())
}

func hexString(_ v: UInt64, width: Int) -> String {
    let s = String(v, radix: 16)
    return s.count >= width ? String(s.suffix(width)) : zeroPadded(s, width: width)
}
