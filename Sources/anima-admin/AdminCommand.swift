import ArgumentParser

/// `anima-admin`: the operator's tool.
@main
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anima-admin",
        abstract:
            "Send signed test events, inspect and replay dead letters, see what happened to an event, pause, limit and guard types with breakers, show queue stats, serve the web dashboard.",
        discussion: "Shared options (--redis-url, --key-prefix) go after the subcommand. Exit status: 0 success, 1 failure.",
        subcommands: [
            SendCommand.self, DeadLetterCommand.self, StatsCommand.self, EventsCommand.self, PauseCommand.self, ResumeCommand.self,
            LimitCommand.self, BreakerCommand.self, DashboardCommand.self,
        ]
    )
}
