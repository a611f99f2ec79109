import ArgumentParser

struct CommonOptions: ParsableArguments {
    @Option(help: "Server base URL (127.0.0.1 only).")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "Server PID: its CPU (/proc/PID/stat) and RSS (/proc/PID/status) are read before and after.")
    var pid: Int32 = 0

    @Option(help: "Label for the server in the output (e.g. baseline, chatctl).")
    var label: String = "server"

    @Option(help: "Prefix of the accounts this run signs up (a random suffix is added).")
    var userPrefix: String = "bench"
}
