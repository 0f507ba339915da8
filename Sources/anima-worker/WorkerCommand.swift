import AnimaCLI
import AnimaTracing
import AnimaWorker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `anima-worker`: take queued events and run their handlers, reliably.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anima-worker",
        abstract: "Take queued Anima events from Redis and run their handlers: de-duplicated, retried, dead-lettered.",
        discussion: "Every option can also be set by its environment variable; the flag wins.\n\n" + TraceExport.help
    )

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        // Process-wide, so the executable's to set: a write to a closed pipe or socket (a command
        // that exits without reading its stdin, a Redis connection the server closed) fails
        // with EPIPE instead of killing the process.
        signal(SIGPIPE, SIG_IGN)
        let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
        let log = try LogSetup(options: options.log, settings: settings)
        let configuration = try WorkerConfiguration(options: options, settings: settings)
        let logger = log.bootstrap(label: "anima-worker")
        // Before the handlers and the worker, which take the process's tracer when made.
        let metrics = WorkerMetrics()
        let traces = try TraceExport.bootstrap(
            serviceName: "anima-worker", environment: ProcessInfo.processInfo.environment, logger: logger,
            drops: TraceDrops { metrics.traceSpansDropped($0) }
        )
        let (handlers, specs) = try HandlerRegistry.fromOptions(options, settings: settings)
        for (type, spec) in specs.sorted(by: { $0.key < $1.key }) {
            logger.info("handler \(type) → \(spec)")
        }
        let worker = Worker(configuration: configuration, handlers: handlers, metrics: metrics, logger: logger)
        guard let traces else { return try await worker.runUntilSignalled() }
        // The exporter stops after the worker, so the last attempts' spans are sent.
        let group = ServiceGroup(
            configuration: .init(services: [traces, worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
