import ArgumentParser

/// `anima-admin`: the operator's tool.
@main
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anima-admin",
        abstract: "Send signed test events, inspect and replay dead letters, see what happened to an event, pause types, show queue stats, serve the web dashboard.",
        discussion: "Shared options (--redis-url, --key-prefix) go after the subcommand. Exit status: 0 success, 1 failure.",
        subcommands: [
            SendCommand.self, DeadLetterCommand.self, StatsCommand.self, EventsCommand.self, PauseCommand.self, ResumeCommand.self,
            DashboardCommand.self,
        ]
    )
}
