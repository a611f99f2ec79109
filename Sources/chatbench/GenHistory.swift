#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser

struct GenHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-history",
        abstract: "Write N messages as MongoDB Extended JSON lines (mongoexport format) for `chatctl history import`.",
        discussion: """
            Example:
              chatbench gen-history --count 1000000 --out history.jsonl
              chatctl history import history.jsonl
            """)

    @Option(help: "Messages to generate.") var count: Int = 1_000_000
    @Option(help: "Distinct user logins.") var users: Int = 20
    @Option(help: "Output file (- for stdout).") var out: String = "-"

    func run() throws {
        guard let f = out == "-" ? fdopen(1, "w") : fopen(out, "w") else { throw BenchFailure("cannot write \(out)") }
        defer { fclose(f) }
        var rng = XorShift(seed: randomSeed())
        let machine = hexString(rng.next(), width: 10)
        // Timestamps 1 s apart ending now, so the newest page is "recent".
        let endMs = wallNow() / 1_000_000
        let startMs = endMs - Int64(count) * 1000
        var line = [UInt8]()
        line.reserveCapacity(256)
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 20)
        for i in 0..<count {
            let ms = startMs + Int64(i) * 1000
            let oid = hexString(UInt64(ms / 1000), width: 8) + machine + hexString(UInt64(i & 0xFFFFFF), width: 6)
            let user = "user\(i % max(users, 1))"
            let text = "history message \(i) lorem ipsum dolor sit amet"
            let s = "{\"_id\":{\"$oid\":\"\(oid)\"},\"user\":\"\(user)\",\"msg\":\"\(text)\",\"time\":{\"$date\":\"\(isoDate(ms))\"}}\n"
            buffer.append(contentsOf: s.utf8)
            if buffer.count > (1 << 20) - 512 {
                _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    }
}

/// "2026-11-24T19:00:00.123Z" from epoch milliseconds (proleptic Gregorian, UTC).
func isoDate(_ ms: Int64) -> String {
    let secs = ms / 1000, milli = Int(ms % 1000)
    var days = secs / 86400
    let rem = Int(secs % 86400)
    days += 719468
    let era = days / 146097
    let doe = days - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    var y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    if m <= 2 { y += 1 }
    func p(_ v: Int, _ w: Int) -> String { zeroPadded(String(v), width: w) }
    return "\(p(Int(y), 4))-\(p(Int(m), 2))-\(p(Int(d), 2))T\(p(rem / 3600, 2)):\(p(rem / 60 % 60, 2)):\(p(rem % 60, 2)).\(p(milli, 3))Z"
}
