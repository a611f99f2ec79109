import ArgumentParser
import ChatAdmin
import ChatConfig
import ChatModel
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ImportMode: ExpressibleByArgument {}

struct HistoryImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read MongoDB Extended JSON history into the store.",
        discussion: """
            Reads what mongoexport writes (relaxed or canonical, one document per line or a JSON array; the form \
            is detected from the first byte) and what `chatctl history export` writes, streaming: memory stays flat.

            Each document needs "user" (a non-empty string of at most 256 bytes), "msg" (a non-empty string of at \
            most MAX_MESSAGE_BYTES), and "time" (a $date, or an ISO-8601 string); "_id" is kept when present (an \
            $oid) and otherwise derived from the content, so importing the same file twice changes nothing. \
            Other fields are refused unless --ignore-unknown-fields. Documents over 1 MiB and invalid UTF-8 \
            are refused. A refused document is reported on stderr with its line number and skipped; \
            --stop-on-error stops at the first one instead.

            --mode insert (default) keeps documents whose _id is already stored (also earlier in the same file) \
            and counts them as duplicates: re-running, or resuming an interrupted import, gives the same history. \
            --mode upsert replaces them. Writes go in batches of 1000. A summary line ends the run on stderr.

            Exit status: 0 when the input was read to its end (even if some documents were refused, as \
            mongoimport does: the summary and the lines above say which); 1 when --stop-on-error stopped it, \
            the file is not valid JSON lines or a JSON array, or the store failed.

            Examples:
              chatctl history import history.json
              chatctl history import --dry-run history.json
              mongoexport -d chat -c messages | chatctl history import -
              chatctl history import --mode upsert --stop-on-error fixed.json
            """
    )

    @Argument(help: ArgumentHelp("The file to read, or - for standard input.", valueName: "file"))
    var file: String

    @Option(help: "insert: skip documents whose _id exists; upsert: replace them.")
    var mode: ImportMode = .insert

    @Flag(help: "Stop at the first refused document (exit 1).")
    var stopOnError = false

    @Flag(help: "Validate only; write nothing.")
    var dryRun = false

    @Flag(help: "Drop fields other than _id, user, msg and time instead of refusing the document.")
    var ignoreUnknownFields = false

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let input: FileDescriptorInput
        if file == "-" {
            input = FileDescriptorInput(fd: STDIN_FILENO)
        } else {
            do { input = try FileDescriptorInput(path: file) } catch {
                throw fail("\(error); check the file name")
            }
        }
        let appConfig: AppConfig
        do { appConfig = try config.loader().load() } catch { throw fail("configuration: \(error)") }
        let options = ImportOptions(
            mode: mode, stopOnError: stopOnError, dryRun: dryRun,
            document: MessageDocumentReader(maxMessageBytes: appConfig.maxMessageBytes, ignoreUnknownFields: ignoreUnknownFields))
        let stream = DocumentStream(input: input, maxDocumentBytes: options.maxDocumentBytes)
        let importer = HistoryImporter(options: options)
        let name = file == "-" ? "stdin" : file
        let progress = ProgressPrinter(verb: "read", total: nil)
        let size = input.size
        let fraction = { size.map { $0 > 0 ? Double(input.bytesRead) / Double($0) : 1 } }
        var hidden = 0
        let report: (ImportProblem) -> Void = { problem in
            progress.done()
            Terminal.warn("chatctl: \(name):\(problem.line): \(problem.reason)")
        }

        let summary: ImportSummary
        if dryRun {
            summary = try await importer.run(stream: stream, store: nil, report: report) { progress.update($0.read, fraction: fraction()) }
        } else {
            summary = try await config.withStore { _, store in
                try await importer.run(stream: stream, store: store, report: report) { progress.update($0.read, fraction: fraction()) }
            }
        }
        progress.done()
        hidden = max(0, summary.rejected - options.maxReportedProblems)
        if hidden > 0 { Terminal.warn("chatctl: \(hidden) more refused documents not shown") }
        Terminal.warn("\(name): \(summary)")
        if let stopped = summary.stopped {
            throw fail("import stopped at \(name) \(stopped); fix it and run the same import again (done documents are skipped as duplicates)")
        }
    }
}
