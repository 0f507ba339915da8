import AnimaCLI
import AnimaQueue
import ArgumentParser
import Foundation

/// `anima-admin limit TYPE --concurrency N --rate N/s`: at most N attempts of TYPE at once and
/// N starts per second (minute), across all workers; `--clear` removes it; no TYPE lists them.
struct LimitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limit",
        abstract: "Limit an event type across all workers: attempts at once (--concurrency) and starts per second or minute (--rate).",
        discussion: """
            Events over the limit wait in Redis in their order (no attempt used). A new limit replaces the type's old one. \
            `limit TYPE --clear` removes it and queues its held events again; `limit` alone lists the limits.
            """
    )
    @Argument(help: "The event type; none to list the limits.") var type: String?
    @Option(help: "At most N attempts of the type run at once, across all workers (N ≥ 1).") var concurrency: String?
    @Option(help: "At most N attempts start per second (N/s) or minute (N/m), across all workers.") var rate: String?
    @Flag(help: "Remove the type's limit.") var clear = false
    @Flag(help: "List as one JSON array.") var json = false
    @OptionGroup var redis: RedisOptions

    func validate() throws {
        guard let type else {
            if concurrency != nil || rate != nil || clear { throw ValidationError("give the event type: anima-admin limit TYPE …") }
            return
        }
        try FlowArguments.check(type: type)
        if json { throw ValidationError("--json goes with the listing: anima-admin limit --json") }
        if clear {
            if concurrency != nil || rate != nil {
                throw ValidationError("--clear removes the limit: give it without --concurrency or --rate")
            }
            return
        }
        _ = try limit()
    }

    func run() async throws {
        try await AdminContext(redis).run { context in
            let controls = FlowControls(keys: context.keys, client: context.client)
            guard let type else { return try await list(controls) }
            if clear {
                return print(FlowArguments.cleared("limit", of: type, try await controls.clearLimit(of: type)))
            }
            let limit = try limit()
            let old = try await controls.all().first { $0.type == type }?.limit
            try await controls.setLimit(limit, for: type)
            print("limit of \(type): \(limit.summary)" + (old.map { " (was \($0.summary))" } ?? ""))
        }
    }

    private func limit() throws(ValidationError) -> FlowLimit {
        do { return try FlowLimit(concurrency: concurrency, rate: rate) } catch { throw FlowArguments.validation(error) }
    }

    private func list(_ controls: FlowControls) async throws {
        let limited = try await controls.all().filter { $0.limit != nil }
        if json { return printJSON(limited.map(FlowReport.limitJSON)) }
        print(limited.isEmpty ? "no limits set" : FlowReport.limitTable(limited))
    }
}
