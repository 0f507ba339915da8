import AnimaCLI
import AnimaQueue
import ArgumentParser
import Foundation

/// `anima-admin events show ID` / `events list`: what happened to an event.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "What happened to an event: its recorded attempts and its state now.",
        subcommands: [Show.self, List.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One event's attempts, oldest first, and its state now (exit 1 when nothing is known of it)."
        )
        @Argument(help: "The event id.") var id: String
        @OptionGroup var redis: RedisOptions
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let status = try await AdminContext(redis).run { context in
                try await EventHistory(keys: context.keys, client: context.client).status(of: id)
            }
            if json {
                printJSON(EventReport.json(status))
            } else {
                print(EventReport.timeline(status, now: Date()))
            }
            if !status.isKnown {
                if !json { FileHandle.standardError.write(Data("nothing is known of event '\(id)'\n".utf8)) }
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recorded outcomes, newest first.")
        @OptionGroup var redis: RedisOptions
        @Option(help: "Only this event type.") var type: String?
        @Option(help: "Only this result: ok, retry, dead, duplicate, unhandled, deferred, interrupted.") var result: String?
        @Option(help: "Only outcomes since WHEN: an ISO 8601 time or a duration back from now (90s, 15m, 2h, 7d).") var since: String?
        @Option(help: "Show at most this many (default 50).") var limit: Int = 50
        @Flag(help: "Print one JSON array.") var json = false

        func validate() throws {
            if let result, HistoryRecord.Result(rawValue: result) == nil {
                throw ValidationError(
                    "--result must be one of \(HistoryRecord.Result.allCases.map(\.rawValue).joined(separator: ", ")), got '\(result)'")
            }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1…100000, got \(limit)") }
            if let since { _ = try Self.sinceMilliseconds(since) }
        }

        func run() async throws {
            let sinceMilliseconds = try since.map { try Self.sinceMilliseconds($0) }
            let records = try await AdminContext(redis).run { context in
                try await EventHistory(keys: context.keys, client: context.client).list(
                    type: type, result: result.flatMap(HistoryRecord.Result.init(rawValue:)), since: sinceMilliseconds, limit: limit
                )
            }
            if json {
                printJSON(records.map { EventReport.json($0, withEvent: true) })
            } else if records.isEmpty {
                print("no recorded outcomes match")
            } else {
                print(EventReport.table(records))
            }
        }
    }

}

extension EventsCommand.List {
    /// `WHEN` as milliseconds since 1970.
    static func sinceMilliseconds(_ text: String) throws -> Int64 {
        do {
            return Int64(try TimeBound(parsing: text).date().timeIntervalSince1970 * 1000)
        } catch {
            throw ValidationError("--since: \(error)")
        }
    }
}
