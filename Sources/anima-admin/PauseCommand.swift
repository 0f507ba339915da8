import AnimaCLI
import AnimaQueue
import ArgumentParser

/// `anima-admin pause TYPE`: every worker stops starting events of TYPE within about a second.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause an event type: its events wait in Redis (no attempts counted) until `resume`.",
        discussion: "Lasts across worker restarts. Other types keep running."
    )
    @Argument(help: "The event type, e.g. resource.updated.") var type: String
    @OptionGroup var redis: RedisOptions

    func run() async throws {
        let added = try await AdminContext(redis).run { context in
            try await PausedTypes(keys: context.keys, client: context.client).pause(type)
        }
        print(added ? "paused \(type)" : "\(type) was already paused")
    }
}

/// `anima-admin resume TYPE`: the type's waiting events run again, in their original order.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused event type: its waiting events are queued again, in their original order."
    )
    @Argument(help: "The event type.") var type: String
    @OptionGroup var redis: RedisOptions

    func run() async throws {
        let (wasPaused, released) = try await AdminContext(redis).run { context in
            try await PausedTypes(keys: context.keys, client: context.client).resume(type)
        }
        print(
            wasPaused
                ? "resumed \(type): \(released) waiting events queued again"
                : "\(type) was not paused (\(released) waiting events queued again)")
    }
}
