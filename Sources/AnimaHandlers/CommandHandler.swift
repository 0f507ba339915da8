public import AnimaWebhooks
public import AnimaWorker
import Foundation
import Logging
import Tracing

#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command per event: `/bin/sh -c COMMAND` in a process group of its own, the raw
/// body on stdin, `ANIMA_EVENT_ID`, `ANIMA_EVENT_TYPE` and `ANIMA_EVENT_ATTEMPT` in its
/// environment, and with traces on the attempt's span as `TRACEPARENT` (and `TRACESTATE`).
/// Exit 0 is success. Its stdout and stderr go to the log, the first
/// ``outputLimit`` bytes of them. When the attempt is cancelled (timeout or shutdown) the
/// whole process group is killed, so grandchildren do not linger.
///
/// Each running group is registered with the process's ``OrphanReaper``: if the worker dies
/// (SIGKILL, crash) while the command runs, the group is killed at once, so a recovered event
/// never runs beside an orphan of its dead worker. The command starts only once its group is
/// registered: the shell first reads a go-ahead line from stdin, which the worker writes (before
/// the body) after registering; a worker that dies before that closes stdin and the shell exits
/// without running the command.
public struct CommandHandler: EventHandler {
    public let command: String
    /// The most output bytes kept for the log; the rest is read and dropped.
    public let outputLimit: Int

    public init(command: String, outputLimit: Int = 4096) {
        self.command = command
        self.outputLimit = outputLimit
    }

    /// The worker's own environment less the event's variables, as `KEY=VALUE\0` rows, read
    /// once rather than at every spawn.
    static let inherited: [[UInt8]] = ProcessInfo.processInfo.environment
        .filter { !["ANIMA_EVENT_ID", "ANIMA_EVENT_TYPE", "ANIMA_EVENT_ATTEMPT", "TRACEPARENT", "TRACESTATE"].contains($0.key) }
        .map { row($0.key, $0.value) }

    static func row(_ key: String, _ value: String) -> [UInt8] {
        Array("\(key)=\(value)\0".utf8)
    }

    /// Exit status of a shell that got no go-ahead (its stdin ended first).
    static let noGoAheadStatus: Int32 = 75

    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {
        let group = ProcessGroup()
        defer { group.finished() }
        let request = SpawnRequest(
            arguments: ["/bin/sh", "-c", "IFS= read -r _ || exit \(Self.noGoAheadStatus)\n" + command],
            environment: Self.inherited + [
                Self.row("ANIMA_EVENT_ID", event.id), Self.row("ANIMA_EVENT_TYPE", event.type),
                Self.row("ANIMA_EVENT_ATTEMPT", String(event.attempt)),
            ] + Self.traceRows(),
            input: [UInt8(ascii: "\n")] + [UInt8](event.body),  // the go-ahead line, then the body
            outputLimit: outputLimit,
            started: { group.started(pid: $0) }
        )
        let result: ChildOutcome
        do {
            let monitor = try ProcessMonitor.shared()
            result = try await withTaskCancellationHandler {
                try await monitor.run(request)
            } onCancel: {
                group.kill()
            }
        } catch {
            throw HandlerFailure("could not start the command: \(error)")
        }
        let (output, dropped) = (result.output, result.dropped)
        if !output.isEmpty {
            // One log line per output, whatever the command printed.
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\n", with: "\\n")
            context.logger.info(
                "handler output: \(text)\(dropped > 0 ? " … (\(dropped) more bytes dropped)" : "")"
            )
        }
        if Task.isCancelled { throw CancellationError() }
        switch result.termination {
        case .exited(0):
            return
        case .exited(let code):
            let tail = String(decoding: output.suffix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw HandlerFailure("command exited with status \(code)\(tail.isEmpty ? "" : ": \(tail)")")
        case .signaled(let signal):
            throw HandlerFailure("command was killed by signal \(signal)")
        case .unknown(let code):
            throw HandlerFailure("command's exit status was taken by another waitpid (errno \(code))")
        }
    }
}

extension CommandHandler {
    /// The current span (the attempt's) as `TRACEPARENT` and `TRACESTATE` rows; none without one.
    static func traceRows() -> [[UInt8]] {
        guard let context = ServiceContext.current else { return [] }
        var rows: [[UInt8]] = []
        InstrumentationSystem.instrument.inject(context, into: &rows, using: EnvironmentInjector())
        return rows
    }
}

/// Writes propagation headers as environment rows, their names in capitals (`TRACEPARENT`).
private struct EnvironmentInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [[UInt8]]) {
        carrier.append(CommandHandler.row(key.uppercased(), value))
    }
}
