import AnimaCLI
import AnimaQueue
import ArgumentParser
import Foundation

/// `anima-admin stats`: how much is waiting, running, retrying and dead; who is working.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show queue stats.")
    @OptionGroup var redis: RedisOptions
    @Flag(help: "Print a JSON object.") var json = false
    @Flag(help: "Refresh every second until interrupted.") var watch = false

    func run() async throws {
        try await AdminContext(redis).run { context in
            repeat {
                let stats = try await QueueStats.read(keys: context.keys, client: context.client)
                if watch && !json { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(stats), as: UTF8.self))
                } else {
                    print(render(stats))
                }
                if watch { try await Task.sleep(for: .seconds(1)) }
            } while watch
        }
    }

    private func render(_ stats: QueueStats) -> String {
        var lines = [
            "pending    \(stats.pending)",
            "scheduled  \(stats.scheduled)   (retries and deferred duplicates)",
            "in flight  \(stats.inFlight)",
            "dead       \(stats.dead)",
            "workers    \(stats.workers)",
        ]
        if !stats.paused.isEmpty {
            lines.append("paused     \(stats.paused.joined(separator: ", "))   (\(stats.pausedEvents) events waiting)")
        }
        if !stats.limited.isEmpty || !stats.openBreakers.isEmpty || stats.heldBack > 0 {
            lines.append("limited    \(stats.limited.isEmpty ? "-" : stats.limited.joined(separator: ", "))")
            lines.append(
                "breakers   open: \(stats.openBreakers.isEmpty ? "none" : stats.openBreakers.joined(separator: ", "))   (open or probing)")
            lines.append("held back  \(stats.heldBack)   (waiting for a limit or a breaker)")
        }
        if !stats.workerList.isEmpty {
            let rows = stats.workerList.map { worker in
                [
                    worker.id, worker.heartbeatAgeSeconds.map { String(format: "%.1fs", $0) } ?? "?", String(worker.inFlight),
                    worker.concurrency.map(String.init) ?? "?", worker.pid.map(String.init) ?? "?",
                ]
            }
            lines.append("")
            lines.append(
                Table(header: ["WORKER", "HEARTBEAT_AGE", "IN_FLIGHT", "CONCURRENCY", "PID"], rows: rows).render(width: terminalWidth)
            )
        }
        return lines.joined(separator: "\n")
    }
}
