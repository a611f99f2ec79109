// Small helpers for chatbench: clocks, CPU and memory readings, JSON output, tables.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic clock in nanoseconds.
@inline(__always)
func monoNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
}

/// Wall clock in nanoseconds since the epoch.
func wallNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    var req = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var rem = timespec()
    while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
}

/// This process's CPU time (user + system) in microseconds.
func selfCPUMicros() -> Int64 {
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    return Int64(ru.ru_utime.tv_sec) * 1_000_000 + Int64(ru.ru_utime.tv_usec)
        + Int64(ru.ru_stime.tv_sec) * 1_000_000 + Int64(ru.ru_stime.tv_usec)
}

func readTextFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

/// A reading of another process's CPU and memory from /proc.
struct ProcSample {
    var cpuMicros: Int64   // utime + stime, all threads
    var rssKB: Int64       // VmRSS
    var hwmKB: Int64       // VmHWM (peak RSS)
    var threads: Int64

    static func read(pid: Int32) -> ProcSample? {
        guard pid > 0, let stat = readTextFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        guard fields.count > 13, let ut = Int64(fields[11]), let st = Int64(fields[12]) else { return nil }
        let hz = Int64(sysconf(Int32(_SC_CLK_TCK)))
        var s = ProcSample(cpuMicros: (ut + st) * 1_000_000 / max(hz, 1), rssKB: 0, hwmKB: 0, threads: 0)
        if let status = readTextFile("/proc/\(pid)/status") {
            for line in status.split(separator: "\n") {
                func value() -> Int64 {
                    Int64(String(line.drop { $0 != ":" }.filter { $0 >= "0" && $0 <= "9" })) ?? 0
                }
                if line.hasPrefix("VmRSS:") { s.rssKB = value() }
                else if line.hasPrefix("VmHWM:") { s.hwmKB = value() }
                else if line.hasPrefix("Threads:") { s.threads = value() }
            }
        }
        return s
    }
}

/// Raise RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
@discardableResult
func raiseFileLimit() -> UInt64 {
    var rl = rlimit()
    #if canImport(Glibc)
    let res = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    let res = RLIMIT_NOFILE
    #endif
    guard getrlimit(res, &rl) == 0 else { return 0 }
    if rl.rlim_cur < rl.rlim_max {
        rl.rlim_cur = rl.rlim_max
        _ = setrlimit(res, &rl)
        _ = getrlimit(res, &rl)
    }
    return UInt64(rl.rlim_cur)
}

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

/// memmem(3) (a GNU extension the Glibc module does not export).
@inline(__always)
func findBytes(_ hay: UnsafeRawPointer, _ n: Int, _ needle: UnsafeRawPointer, _ m: Int) -> UnsafeRawPointer? {
    guard m > 0, n >= m else { return nil }
    let first = Int32(needle.load(as: UInt8.self))
    var p = hay
    let last = hay + (n - m)
    while p <= last {
        guard let hit = memchr(p, first, last - p + 1) else { return nil }
        let h = UnsafeRawPointer(hit)
        if memcmp(h, needle, m) == 0 { return h }
        p = h + 1
    }
    return nil
}

func log(_ s: String) { writeStderr("chatbench: " + s + "\n") }

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

// MARK: - JSON

/// An ordered JSON value; enough for chatbench's output.
indirect enum JSON {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            guard d.isFinite else { return "null" }
            return formatDouble(d, digits: 6)
        case .string(let s): return JSON.quote(s)
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// Fixed-point formatting without Foundation.
func formatDouble(_ d: Double, digits: Int) -> String {
    guard d.isFinite else { return "nan" }
    if d < 0 { return "-" + formatDouble(-d, digits: digits) }
    var p: Double = 1
    for _ in 0..<digits { p *= 10 }
    let scaled = (d * p).rounded()
    if scaled >= 9e18 { return String(Int64(d)) }
    let iv = Int64(scaled)
    let ip = iv / Int64(p)
    var fp = String(iv % Int64(p))
    if digits == 0 { return String(ip) }
    fp = String(repeating: "0", count: digits - fp.count) + fp
    // trim trailing zeros but keep one digit
    while fp.count > 1 && fp.hasSuffix("0") { fp.removeLast() }
    return "\(ip).\(fp)"
}

func fmt(_ d: Double, _ digits: Int = 2) -> String {
    guard d.isFinite else { return "-" }
    if d < 0 { return "-" + fmt(-d, digits) }
    var p: Double = 1
    for _ in 0..<digits { p *= 10 }
    let iv = Int64((d * p).rounded())
    if digits == 0 { return String(iv) }
    let ip = iv / Int64(p)
    var fp = String(iv % Int64(p))
    fp = String(repeating: "0", count: digits - fp.count) + fp
    return "\(ip).\(fp)"
}

/// Prints rows of (name, value) as a two-column table to stderr.
func printTable(title: String, rows: [(String, String)]) {
    let w = rows.map(\.0.count).max() ?? 0
    var out = "\n== \(title) ==\n"
    for (k, v) in rows {
        out += "  " + k + String(repeating: " ", count: w - k.count) + "  " + v + "\n"
    }
    writeStderr(out)
}

/// Percentile of a sorted array (nearest rank).
func percentile(_ sorted: [Int64], _ p: Double) -> Int64 {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100.0 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

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
    return s.count >= width ? String(s.suffix(width)) : String(repeating: "0", count: width - s.count) + s
}
