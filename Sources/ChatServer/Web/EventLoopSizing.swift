import Foundation
import NIOCore

/// How many event loops the server runs.
///
/// NIO sizes its loop group by the machine's cores and cgroup quota but not by the process's CPU affinity,
/// so a server started under `taskset -c 0` or a cpuset ran two loops time-sharing one core: every
/// broadcast then woke both and paid a context switch between them. One loop per usable core avoids that.
public enum EventLoopSizing {
    /// The CPUs this process may run on (its affinity, `Cpus_allowed_list` in /proc/self/status), or nil
    /// where that cannot be read.
    public static func usableCores() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            return cpuCount(list: line.dropFirst("Cpus_allowed_list:".count))
        }
        return nil
    }

    /// Counts a kernel CPU list such as `0-3,8,10-11`; nil when it is not one.
    public static func cpuCount(list: Substring) -> Int? {
        var count = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                count += 1
            case 2:
                guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
                count += high - low + 1
            default:
                return nil
            }
        }
        return count > 0 ? count : nil
    }

    /// Sizes NIO's shared loop group (the one Hummingbird serves on) before anything creates it.
    /// `NIO_SINGLETON_GROUP_LOOP_COUNT`, when set, still wins.
    public static func configureSharedGroup() {
        guard getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil, let cores = usableCores() else { return }
        NIOSingletons.groupLoopCountSuggestion = min(cores, System.coreCount)
    }
}
