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
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
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

func emit(_ title: String, _ rows: [(String, String)], _ json: [(String, JSON)]) {
    printTable(title: title, rows: rows)
    writeStdout(JSON.object(json).text + "\n")
}
