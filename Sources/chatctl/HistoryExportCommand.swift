import ArgumentParser
import ChatAdmin
import ChatModel
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct HistoryExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write history, oldest first, as MongoDB Extended JSON.",
        discussion: """
            Relaxed Extended JSON v2 by default, exactly as mongoexport writes it; --canonical writes dates as \
            {"$date":{"$numberLong":"<ms>"}}. Streams page by page, so memory stays flat whatever the size. \
            With --out the file appears only when complete (written to a temporary file, then renamed); \
            on stdout a closed pipe (e.g. `| head`) ends the export quietly. Progress goes to stderr on a terminal.

            --since and --until take an ISO-8601 date or time (2026-11-24, 2026-11-24T19:00:00Z) or an age \
            counted back from now (90s, 15m, 24h, 7d, 2w); --since is inclusive, --until exclusive.

            Examples:
              chatctl history export --out history.json
              chatctl history export --since 24h
              chatctl history export --since 2026-11-01 --until 2026-12-01 --user alice --array --out november.json
              chatctl history export --canonical | gzip > history.json.gz
            """
    )

    @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Only messages at or after this time.", valueName: "time"), transform: Self.time)
    var since: TimeSpec?

    @Option(help: ArgumentHelp("Only messages before this time.", valueName: "time"), transform: Self.time)
    var until: TimeSpec?

    @Option(help: ArgumentHelp("Only messages sent by this login.", valueName: "login"))
    var user: String?

    @Flag(help: "Write one JSON array instead of one document per line.")
    var array = false

    @Flag(help: "Canonical Extended JSON (dates as $numberLong milliseconds).")
    var canonical = false

    @OptionGroup var config: ConfigOptions

    /// ArgumentParser names the option and the value; this says what it should have been.
    static func time(_ text: String) throws -> TimeSpec {
        guard let time = TimeSpec(text) else { throw ValidationError("it is not \(TimeSpec.help)") }
        return time
    }

    func validate() throws {
        if out == "" { throw ValidationError("--out needs a file name") }
        let now = Date()
        if let from = since?.date(now: now), let to = until?.date(now: now), from >= to {
            throw ValidationError("--since \(ISO8601Millis.format(from)) is not before --until \(ISO8601Millis.format(to)): nothing could match")
        }
    }

    func run() async throws {
        let now = Date()
        let filter = MessageFilter(since: since?.date(now: now), until: until?.date(now: now), user: user)
        signal(SIGPIPE, SIG_IGN)
        try await config.withStore { _, store in
            let output: any ByteOutput
            var atomic: AtomicFileOutput?
            if let out {
                do {
                    let file = try AtomicFileOutput(path: out)
                    Terminal.removeOnInterrupt(file.temporaryPath)
                    atomic = file
                    output = file
                } catch {
                    throw fail("cannot write \(out): \(error); choose a writable --out path")
                }
            } else {
                output = FileDescriptorOutput(fd: STDOUT_FILENO)
            }
            let total = Terminal.stderrIsTTY ? try? await store.countMessages(matching: filter) : nil
            let progress = ProgressPrinter(verb: "exported", total: total)
            let exporter = HistoryExporter(options: ExportOptions(filter: filter, format: canonical ? .canonical : .relaxed, array: array))
            do {
                let outcome = try await exporter.run(store: store, output: output) { progress.update($0) }
                progress.done()
                if case .complete(let count) = outcome, let out {
                    Terminal.warn("exported \(count) messages to \(out)")
                }
            } catch let error as OutputError {
                progress.done()
                atomic?.abandon()
                throw fail("export failed: \(error); check the disk space and the --out path")
            } catch {
                progress.done()
                atomic?.abandon()
                throw error
            }
        }
    }
}
