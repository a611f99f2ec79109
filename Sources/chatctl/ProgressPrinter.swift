import ChatAdmin
import Foundation

/// Progress on stderr, only when stderr is a terminal, at most five times a second; `done()` clears it.
final class ProgressPrinter {
    private var line: ProgressLine
    private let enabled: Bool
    private var lastPrint = ContinuousClock.now
    private var shown = false

    init(verb: String, total: Int?) {
        line = ProgressLine(verb: verb, total: total)
        enabled = Terminal.stderrIsTTY
    }

    func update(_ count: Int, fraction: Double? = nil) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - lastPrint >= .milliseconds(200) else { return }
        lastPrint = now
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line.render(count: count, fraction: fraction, now: now)).utf8))
        shown = true
    }

    func done() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
