import AnimaCLI
import AnimaQueue
import ArgumentParser
import Foundation
import NIOCore
import NIOFoundationCompat

/// `anima-admin dlq …`: inspect and repair the dead-letter list.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect, replay and delete dead letters.",
        subcommands: [List.self, Show.self, Replay.self, Delete.self, Purge.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, newest first.")
        @OptionGroup var redis: RedisOptions
        @Flag(help: "Print one JSON array of the stored dead-letter objects.") var json = false
        @Option(help: "Show at most this many.") var limit: Int = 50
        @Option(help: "Only this event type.") var type: String?

        func run() async throws {
            let entries = try await AdminContext(redis).run { try await $0.deadLetters.list(limit: limit, type: type) }
            if json {
                print("[" + entries.map { String(buffer: $0.stored) }.joined(separator: ",") + "]")
                return
            }
            if entries.isEmpty {
                print("no dead letters")
                return
            }
            let rows = entries.map { entry -> [String] in
                guard let letter = entry.letter else { return ["?", "?", "?", "?", "?", "(not a dead-letter object)"] }
                return [
                    letter.deadID, letter.id ?? "-", letter.type ?? "-", String(letter.attempts), letter.failedAt,
                    letter.error.replacingOccurrences(of: "\n", with: " "),
                ]
            }
            print(Table(header: ["DEAD_ID", "ID", "TYPE", "ATTEMPTS", "FAILED_AT", "ERROR"], rows: rows).render(width: terminalWidth))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter whole, its event pretty-printed.")
        @Argument(help: "The dead_id or the event id.") var id: String
        @OptionGroup var redis: RedisOptions

        func run() async throws {
            guard let entry = try await AdminContext(redis).run({ try await $0.deadLetters.find(id) }) else {
                throw AdminFailure("no dead letter with dead_id or event id '\(id)'")
            }
            guard var object = (try? JSONSerialization.jsonObject(with: Data(buffer: entry.stored))) as? [String: Any] else {
                print(String(buffer: entry.stored))
                return
            }
            if let event = object["event"] as? String,
                let parsed = try? JSONSerialization.jsonObject(with: Data(event.utf8), options: [.fragmentsAllowed])
            {
                object["event"] = parsed
            }
            printJSON(object)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one dead letter.")
        @Argument(help: "The dead_id or the event id.") var id: String
        @OptionGroup var redis: RedisOptions

        func run() async throws {
            try await AdminContext(redis).run { context in
                guard let entry = try await context.deadLetters.find(id) else {
                    throw AdminFailure("no dead letter with dead_id or event id '\(id)'")
                }
                guard try await context.deadLetters.delete(entry) else {
                    throw AdminFailure("dead letter '\(id)' changed meanwhile; nothing deleted")
                }
                print("deleted \(entry.letter?.deadID ?? id)")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every dead letter (needs --yes).")
        @Flag(help: "Really delete them all.") var yes = false
        @OptionGroup var redis: RedisOptions

        func run() async throws {
            try await AdminContext(redis).run { context in
                guard yes else {
                    let count = try await context.deadLetters.count()
                    throw AdminFailure("refusing to delete \(count) dead letters without --yes")
                }
                let removed = try await context.deadLetters.purge()
                print("purged \(removed) dead letters")
            }
        }
    }
}
