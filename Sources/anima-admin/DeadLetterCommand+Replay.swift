import AnimaCLI
import AnimaQueue
import ArgumentParser
import Foundation

extension DeadLetterCommand {
    /// `dlq replay ID`, `dlq replay --all`, or `dlq replay` with filters, optionally as a dry run.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue dead letters again (attempts start over); each leaves the list in the same atomic step.",
            discussion: """
                Give one ID, --all, or filters: --type, --error-contains, --since, --until (on failed_at; \
                every filter given must hold). WHEN is \(TimeBound.acceptedForms). Entries are replayed \
                oldest first; dead letters that arrive while it runs are left for the next run.
                """
        )
        @Argument(help: "The dead_id or the event id.") var id: String?
        @Flag(help: "Replay every dead letter (oldest first).") var all = false
        @Option(help: "Only this event type.") var type: String?
        @Option(help: ArgumentHelp("Only entries whose error contains this text (ignoring case).", valueName: "text"))
        var errorContains: String?
        @Option(help: ArgumentHelp("Only entries that failed at or after WHEN.", valueName: "when")) var since: String?
        @Option(help: ArgumentHelp("Only entries that failed before WHEN.", valueName: "when")) var until: String?
        @Flag(help: "Change nothing: print how many match, per type, how many ids are already done, the first 20 ids.")
        var dryRun = false
        @Flag(help: "Print a JSON object.") var json = false
        @OptionGroup var redis: RedisOptions

        private var hasFilter: Bool { type != nil || errorContains != nil || since != nil || until != nil }

        func validate() throws {
            if id != nil && (all || hasFilter) {
                throw ValidationError("give one dead letter ID or --all/filters, not both")
            }
            if id == nil && !all && !hasFilter {
                throw ValidationError("give one dead letter ID, --all, or filters (--type, --error-contains, --since, --until)")
            }
            if id != nil && dryRun { throw ValidationError("--dry-run goes with --all or filters, not with an ID") }
            if errorContains?.isEmpty == true { throw ValidationError("--error-contains needs some text") }
            let filter = try filter(now: Date())
            if let start = filter.since, let end = filter.until, start >= end {
                throw ValidationError("--since \(since ?? "") is not before --until \(until ?? ""): nothing could match")
            }
        }

        /// The filter the options give, durations counted back from `now`.
        func filter(now: Date) throws(ValidationError) -> DeadLetterFilter {
            DeadLetterFilter(
                type: type,
                errorContains: errorContains,
                since: try bound(since, flag: "--since", now: now),
                until: try bound(until, flag: "--until", now: now)
            )
        }

        private func bound(_ text: String?, flag: String, now: Date) throws(ValidationError) -> Date? {
            guard let text else { return nil }
            do {
                return try TimeBound(parsing: text).date(now: now)
            } catch {
                throw ValidationError("\(flag): \(error)")
            }
        }

        func run() async throws {
            let filter = try filter(now: Date())
            try await AdminContext(redis).run { context in
                if let id { return try await replayOne(id, context) }
                if dryRun { return report(try await context.deadLetters.preview(matching: filter)) }
                if filter.isEmpty {
                    let (replayed, kept) = try await context.deadLetters.replayAll(type: nil)
                    return replayedCount(replayed, note: kept > 0 ? "; \(kept) left in place" : "")
                }
                replayedCount(try await context.deadLetters.replay(matching: filter), note: "")
            }
        }

        private func replayOne(_ id: String, _ context: AdminContext) async throws {
            guard let entry = try await context.deadLetters.find(id) else {
                throw AdminFailure("no dead letter with dead_id or event id '\(id)'")
            }
            guard try await context.deadLetters.replay(entry) else {
                throw AdminFailure("dead letter '\(id)' changed meanwhile; nothing replayed")
            }
            if json { return printCompactJSON(["replayed": 1]) }
            print("replayed \(entry.letter?.deadID ?? id) (event \(entry.letter?.id ?? "-"))")
        }

        private func replayedCount(_ replayed: Int, note: String) {
            if json { return printCompactJSON(["replayed": replayed]) }
            print("replayed \(replayed) dead letters" + note)
        }

        private func report(_ preview: DeadLetterPreview) {
            if json { return printCompactJSON(preview) }
            guard preview.matched > 0 else {
                print("dry run, nothing changed: no dead letter matches")
                return
            }
            var lines = ["dry run, nothing changed: \(preview.matched) dead letters match"]
            let width = preview.byType.keys.map(\.count).max() ?? 0
            for (type, count) in preview.byType.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + type.padding(toLength: width + 2, withPad: " ", startingAt: 0) + String(count))
            }
            lines.append("already done: \(preview.alreadyDone) of \(preview.distinctIDs) event ids")
            if !preview.ids.isEmpty {
                lines.append("first \(preview.ids.count) event ids, oldest first:")
                lines += preview.ids.map { "  " + $0 }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

/// Prints `value` as one line of JSON, keys sorted.
func printCompactJSON(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}
