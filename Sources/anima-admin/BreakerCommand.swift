import AnimaCLI
import AnimaQueue
import ArgumentParser
import Foundation

/// `anima-admin breaker TYPE …`: a failing type stops starting attempts by itself, and probes
/// with one event after a cooldown; `--clear`, `--reset`; no TYPE lists them with their state.
struct BreakerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breaker",
        abstract: "Give an event type a circuit breaker: it stops starting attempts while too many fail, then probes with one event.",
        discussion: """
            Opens when, within the last --window, at least --min-attempts attempts ended and a share --failure-rate of them failed. \
            After --cooldown one event is let through: its success closes the breaker, its failure opens it again for twice the \
            cooldown (at most 1h). Held events wait in Redis (no attempt used). `breaker TYPE --reset` closes it at once, \
            `--clear` removes it; `breaker` alone lists them with their state.
            """
    )
    @Argument(help: "The event type; none to list the breakers.") var type: String?
    @Option(help: "Open at this share of failed attempts, above 0 and at most 1 (default 0.5).") var failureRate: String?
    @Option(help: "Open only after at least N attempts ended within the window (default 20).") var minAttempts: String?
    @Option(help: "The rolling window the attempts are counted in: 90s, 15m, 2h (default 60s).") var window: String?
    @Option(help: "How long it stays open before one event probes: 90s, 15m, 2h (default 30s).") var cooldown: String?
    @Flag(help: "Remove the type's breaker (and queue its held events again).") var clear = false
    @Flag(help: "Close the type's breaker at once, its counts started afresh.") var reset = false
    @Flag(help: "List as one JSON array.") var json = false
    @OptionGroup var redis: RedisOptions

    private var givesSettings: Bool { failureRate != nil || minAttempts != nil || window != nil || cooldown != nil }

    func validate() throws {
        guard let type else {
            if givesSettings || clear || reset { throw ValidationError("give the event type: anima-admin breaker TYPE …") }
            return
        }
        try FlowArguments.check(type: type)
        if json { throw ValidationError("--json goes with the listing: anima-admin breaker --json") }
        if clear && reset { throw ValidationError("give --clear or --reset, not both") }
        if (clear || reset) && givesSettings {
            throw ValidationError("--\(clear ? "clear" : "reset") takes no settings (--failure-rate, --min-attempts, --window, --cooldown)")
        }
        if !clear && !reset { _ = try settings() }
    }

    func run() async throws {
        try await AdminContext(redis).run { context in
            let controls = FlowControls(keys: context.keys, client: context.client)
            guard let type else { return try await list(controls) }
            if clear {
                print(FlowArguments.cleared("breaker", of: type, try await controls.clearBreaker(of: type)))
            } else if reset {
                print(try await controls.resetBreaker(of: type) ? "closed the breaker of \(type)" : "\(type) has no breaker")
            } else {
                let settings = try settings()
                try await controls.setBreaker(settings, for: type)
                print("breaker of \(type): \(settings.summary)")
            }
        }
    }

    private func settings() throws(ValidationError) -> BreakerSettings {
        do {
            return try BreakerSettings(failureRate: failureRate, minAttempts: minAttempts, window: window, cooldown: cooldown)
        } catch {
            throw FlowArguments.validation(error)
        }
    }

    private func list(_ controls: FlowControls) async throws {
        let guarded = try await controls.all().filter { $0.breaker != nil }
        if json { return printJSON(guarded.map(FlowReport.breakerJSON)) }
        print(guarded.isEmpty ? "no breakers set" : FlowReport.breakerTable(guarded, now: Date()))
    }
}
