import NIOCore
import NIOPosix

/// The shared scaffolding of the WebSocket scenarios.
final class LoadRun {
    let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop
    let hub: Hub
    let pid: Int32

    init(url: ServerURL, cookies: [String], clients: Int, senders: Int, window: Int, payloadSize: Int, pid: Int32) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        hub = Hub(loop: loop, url: url, cookies: cookies, clients: clients, senders: senders, window: window, payloadSize: payloadSize)
        self.pid = pid
    }

    /// Signs up accounts (clients share them round-robin), upgrades every client or throws, and waits for the
    /// join broadcasts to die down: the set-up of the sending scenarios.
    static func connected(url: ServerURL, common: CommonOptions, load: SendingOptions, window: Int) throws
        -> (run: LoadRun, connectSeconds: Double, signupSeconds: Double)
    {
        let acc = try Accounts.create(url: url, prefix: common.userPrefix, count: max(1, min(load.users, load.clients)), alsoLogIn: false)
        let run = LoadRun(url: url, cookies: acc.cookies, clients: load.clients, senders: load.senders, window: window,
                          payloadSize: load.size, pid: common.pid)
        do {
            let (up, seconds) = try run.connectAll(concurrency: load.concurrency, timeout: 60)
            guard up == load.clients else {
                throw BenchFailure("only \(up)/\(load.clients) WebSockets upgraded: \(failureSummary(run.snapshot()))")
            }
            run.settle(quiet: 0.3, maxWait: 10)
            return (run, seconds, acc.signupSeconds)
        } catch {
            run.shutdown()
            throw error
        }
    }

    func snapshot() -> HubCounters {
        let hub = self.hub
        return try! loop.submit { () -> HubCounters in
            var c = hub.c
            c.now = monoNow()
            return c
        }.wait()
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        try! loop.submit(body).wait()
    }

    /// Opens all connections; returns (upgraded, seconds from first connect to last upgrade).
    func connectAll(concurrency: Int, timeout: Double) throws -> (Int, Double) {
        let hub = self.hub
        let t0 = monoNow()
        loop.execute { hub.startConnecting(concurrency: concurrency) }
        let deadline = t0 + Int64(timeout * 1e9)
        var s = snapshot()
        while s.upgraded + s.failed < hub.clientCount && monoNow() < deadline {
            sleepSeconds(0.02)
            s = snapshot()
        }
        let secs = s.upgraded > 0 ? Double(s.lastUpgradeNs - t0) / 1e9 : 0
        return (s.upgraded, secs)
    }

    /// Waits until no bytes arrived for `quiet` seconds, at most `maxWait`; returns seconds waited.
    @discardableResult
    func settle(quiet: Double, maxWait: Double) -> Double {
        let t0 = monoNow()
        while true {
            let s = snapshot()
            let now = monoNow()
            if Double(now - max(s.lastFrameNs, t0)) / 1e9 >= quiet || Double(now - t0) / 1e9 >= maxWait {
                return Double(now - t0) / 1e9
            }
            sleepSeconds(0.05)
        }
    }

    func proc() -> ProcSample? { ProcSample.read(pid: pid) }

    func shutdown() {
        let hub = self.hub
        loop.execute { hub.closeAll() }
        sleepSeconds(0.5)
        try? group.syncShutdownGracefully()
    }
}
