import ArgumentParser

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Export and import chat history as MongoDB Extended JSON.",
        discussion: """
            The format is what mongoexport writes and mongoimport reads for the messages collection:
            {"_id":{"$oid":"…"},"user":"alice","msg":"hi","time":{"$date":"2026-11-24T19:00:00.123Z"}} \
            one document per line (or a JSON array), so history moves between SQLite, MongoDB and the MongoDB tools.

            Examples:
              chatctl history export --out history.json
              chatctl history export --since 7d --user alice | jq -r .msg
              chatctl history import history.json
              mongoexport -d chat -c messages | chatctl history import -
            """,
        subcommands: [HistoryExportCommand.self, HistoryImportCommand.self]
    )
}
