// Readings of clocks and processes: monotonic and wall time, CPU and memory, the open-files limit.

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
