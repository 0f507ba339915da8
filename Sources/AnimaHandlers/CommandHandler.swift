public import AnimaWebhooks
public import AnimaWorker
import Foundation
import Logging
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command per event: `/bin/sh -c COMMAND` in a process group of its own, the raw
/// body on stdin, `ANIMA_EVENT_ID`, `ANIMA_EVENT_TYPE` and `ANIMA_EVENT_ATTEMPT` in its
/// environment. Exit 0 is success. Its stdout and stderr go to the log, the first
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
    /// once: `Environment.inherit` reads and copies the whole environment at every spawn, which
    /// cost more of the worker's CPU than the rest of running a command.
    static let inherited: [[UInt8]] = ProcessInfo.processInfo.environment
        .filter { !["ANIMA_EVENT_ID", "ANIMA_EVENT_TYPE", "ANIMA_EVENT_ATTEMPT"].contains($0.key) }
        .map { row($0.key, $0.value) }

    static func row(_ key: String, _ value: String) -> [UInt8] {
        Array("\(key)=\(value)\0".utf8)
    }

    /// Exit status of a shell that got no go-ahead (its stdin ended first).
    static let noGoAheadStatus: Int32 = 75

    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {
        var options = PlatformOptions()
        options.processGroupID = 0  // a new group whose id is the child's pid
        let environment = Environment.custom(
            Self.inherited + [
                Self.row("ANIMA_EVENT_ID", event.id), Self.row("ANIMA_EVENT_TYPE", event.type),
                Self.row("ANIMA_EVENT_ATTEMPT", String(event.attempt)),
            ]
        )
        let group = ProcessGroup()
        let body = [UInt8(ascii: "\n")] + [UInt8](event.body)
        let script = "IFS= read -r _ || exit \(Self.noGoAheadStatus)\n" + command
        let limit = outputLimit
        defer { group.finished() }
        let result = try await withTaskCancellationHandler {
            try await run(
                .path("/bin/sh"),
                arguments: ["-c", script],
                environment: environment,
                platformOptions: options,
                input: .inputWriter,
                output: .sequence,
                error: .combinedWithOutput
            ) { execution -> (output: [UInt8], dropped: Int) in
                group.started(pid: execution.processIdentifier.value)
                let writer = execution.standardInputWriter
                return try await withThrowingTaskGroup(of: (output: [UInt8], dropped: Int)?.self) { tasks in
                    tasks.addTask {
                        // The go-ahead line, then the body. A command that never reads stdin
                        // makes this write fail: that is fine.
                        _ = try? await writer.write(body)
                        try? await writer.finish()
                        return nil
                    }
                    tasks.addTask {
                        var kept: [UInt8] = []
                        var dropped = 0
                        for try await chunk in execution.standardOutput {
                            chunk.withUnsafeBytes { bytes in
                                let room = max(0, limit - kept.count)
                                kept.append(contentsOf: bytes.prefix(room))
                                dropped += max(0, bytes.count - room)
                            }
                        }
                        return (kept, dropped)
                    }
                    var output: (output: [UInt8], dropped: Int) = ([], 0)
                    for try await part in tasks { if let part { output = part } }
                    return output
                }
            }
        } onCancel: {
            group.kill()
        }
        let (output, dropped) = result.closureResult
        if !output.isEmpty {
            // One log line per output, whatever the command printed.
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\n", with: "\\n")
            context.logger.info(
                "handler output: \(text)\(dropped > 0 ? " … (\(dropped) more bytes dropped)" : "")"
            )
        }
        if Task.isCancelled { throw CancellationError() }
        switch result.terminationStatus {
        case .exited(0):
            return
        case .exited(let code):
            let tail = String(decoding: output.suffix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw HandlerFailure("command exited with status \(code)\(tail.isEmpty ? "" : ": \(tail)")")
        case .signaled(let signal):
            throw HandlerFailure("command was killed by signal \(signal)")
        }
    }
}
