import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public struct CheckReport: Sendable, Equatable {
    public var items: [CheckItem]
    public var ok: Bool { !items.contains { $0.status == .fail } }

    /// `{"ok":bool,"items":[{"name","status","detail","fix"}]}`: stable keys and order.
    public var json: String {
        let rendered = items.map { item in
            "{\"name\":\(ExtendedJSON.quoted(item.name)),\"status\":\"\(item.status.rawValue)\",\"detail\":\(ExtendedJSON.quoted(item.detail)),\"fix\":\(ExtendedJSON.quoted(item.fix))}"
        }
        return "{\"ok\":\(ok),\"items\":[\n" + rendered.map { "  " + $0 }.joined(separator: ",\n") + "\n]}"
    }

    public var table: String {
        var rows = [["STATUS", "CHECK", "DETAIL"]]
        for item in items {
            rows.append([item.status.rawValue, item.name, item.detail])
            if !item.fix.isEmpty { rows.append(["", "", "fix: " + item.fix]) }
        }
        let failures = items.filter { $0.status == .fail }.count
        let warnings = items.filter { $0.status == .warn }.count
        return TextTable.render(rows) + "\n\n" + (ok ? "ok" : "failed") + ": \(failures) failed, \(warnings) warnings, \(items.count) checks"
    }
}
