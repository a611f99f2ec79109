import ChatModel
import ChatStorage
import Foundation
import Logging
import ServiceLifecycle

/// Closes the WebSockets of sessions that ended anywhere: signed out on another instance, ended by
/// `chatctl user logout`, `passwd` or `remove` (another process), or expired while connected.
///
/// Every `interval` it asks the store for sessions ended at or after its last successful look (less `overlap`),
/// and for those that expired since then (`ChatStore.sessionsEnded`, two indexed queries), and tells the hub to
/// close their connections (4401). Every instance on one MongoDB polls for itself, so an end reaches all of them
/// within about one interval. `overlap` covers ends that become visible late and processes whose clocks differ
/// by up to that much; what was handled already is remembered until it drops out of the window, so each end is
/// sent to the hub once. The hub, not this service, closes a connection that registers with a session it was
/// told of just after the upgrade was decided.
///
/// Once an hour it also deletes sessions that expired more than `retention` ago.
public struct SessionWatchService: Service {
    let store: any ChatStore
    let hub: ChatHub
    let metrics: ChatMetrics
    let logger: Logger
    var interval: Duration = .milliseconds(300)
    var overlap: TimeInterval = 10
    var retention: TimeInterval = 30 * 86_400
    var purgeInterval: Duration = .seconds(3600)

    public init(store: any ChatStore, hub: ChatHub, metrics: ChatMetrics, logger: Logger) {
        self.store = store
        self.hub = hub
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        // Cancelled on graceful shutdown; the hub's own service then closes what is left with 1001.
        await cancelWhenGracefulShutdown { await self.watch() }
    }

    func watch() async {
        var since = Date().addingTimeInterval(-overlap)
        var handled: [SessionID: Date] = [:]
        var failing = false
        var nextPurge = ContinuousClock.now
        while !Task.isCancelled {
            let now = Date()
            do {
                let found = try await store.sessionsEnded(since: since, now: now)
                var fresh: Set<SessionID> = []
                for session in found where handled[session.id] == nil {
                    handled[session.id] = session.ended ?? session.expires
                    fresh.insert(session.id)
                }
                if !fresh.isEmpty {
                    logger.debug("closing the WebSockets of ended sessions", metadata: ["sessions": "\(fresh.count)"])
                    hub.closeSessions(fresh)
                }
                since = now.addingTimeInterval(-overlap)
                handled = handled.filter { $0.value >= since }
                hub.forgetEndedSessions(before: ContinuousClock.now - .seconds(overlap))
                if failing {
                    failing = false
                    logger.notice("looking for ended sessions works again")
                }
            } catch {
                metrics.sessionPollFailures.add(1, ordering: .relaxed)
                if !failing {
                    failing = true
                    logger.warning("cannot look for ended sessions; retrying", metadata: ["error": "\(error)"])
                }
            }
            if !failing, ContinuousClock.now >= nextPurge {
                nextPurge = ContinuousClock.now + purgeInterval
                await purge(now: now)
            }
            do { try await Task.sleep(for: interval) } catch { break }
        }
    }

    private func purge(now: Date) async {
        do {
            let removed = try await store.purgeSessions(expiredBefore: now.addingTimeInterval(-retention))
            if removed > 0 { logger.info("old sessions deleted", metadata: ["sessions": "\(removed)"]) }
        } catch {
            logger.debug("old sessions not deleted", metadata: ["error": "\(error)"])
        }
    }
}
