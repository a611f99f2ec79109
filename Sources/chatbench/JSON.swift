// chatbench's output: one JSON object per run on stdout, a two-column table on stderr.

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
                    out += "\\u" + zeroPadded(h, width: 4)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

func optInt(_ v: Int64?) -> JSON { v.map { .int($0) } ?? .null }
func optDouble(_ v: Double?) -> JSON { v.map { .double($0) } ?? .null }

/// Fixed-point formatting without Foundation, for JSON numbers: trailing zeros trimmed (one kept), "nan" if not finite.
func formatDouble(_ d: Double, digits: Int) -> String {
    guard d.isFinite else { return "nan" }
    return fixedPoint(d, digits: digits, forJSON: true)
}

/// Fixed-point formatting for the table: exactly `digits` decimals, "-" if not finite.
func fmt(_ d: Double, _ digits: Int = 2) -> String {
    guard d.isFinite else { return "-" }
    return fixedPoint(d, digits: digits, forJSON: false)
}

/// The one rounding and digit layout behind `formatDouble` and `fmt` (`d` finite). For JSON, the fraction's
/// trailing zeros are trimmed (one kept), and a value too large to scale to Int64 is written as its integer part.
private func fixedPoint(_ d: Double, digits: Int, forJSON: Bool) -> String {
    if d < 0 { return "-" + fixedPoint(-d, digits: digits, forJSON: forJSON) }
    var p: Double = 1
    for _ in 0..<digits { p *= 10 }
    let scaled = (d * p).rounded()
    if forJSON && scaled >= 9e18 { return String(Int64(d)) }
    let iv = Int64(scaled)
    if digits == 0 { return String(iv) }
    var fp = zeroPadded(String(iv % Int64(p)), width: digits)
    if forJSON { while fp.count > 1 && fp.hasSuffix("0") { fp.removeLast() } }
    return "\(iv / Int64(p)).\(fp)"
}

/// `s` with leading zeros up to `width` characters (unchanged if already that long).
func zeroPadded(_ s: String, width: Int) -> String {
    String(repeating: "0", count: max(0, width - s.count)) + s
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

func emit(_ title: String, _ rows: [(String, String)], _ json: [(String, JSON)]) {
    printTable(title: title, rows: rows)
    writeStdout(JSON.object(json).text + "\n")
}
