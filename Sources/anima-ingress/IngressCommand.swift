import AnimaCLI
import AnimaIngress
import AnimaTracing
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `anima-ingress`: verify signed Anima webhooks and queue them in Redis.
@main
struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anima-ingress",
        abstract: "Receive signed Anima webhooks and queue them in Redis.",
        discussion: "Every option can also be set by its environment variable; the flag wins.\n\n" + TraceExport.help
    )

    @OptionGroup var options: IngressOptions

    func run() async throws {
        // Process-wide, so the executable's to set: a write to a socket the peer closed (hiredis
        // writes to Redis with plain write()) fails with EPIPE instead of killing the process.
        signal(SIGPIPE, SIG_IGN)
        let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
        let log = try LogSetup(options: options.log, settings: settings)
        let configuration = try IngressConfiguration(options: options, settings: settings)
        let logger = log.bootstrap(label: "anima-ingress")
        logger.info(
            "starting",
            metadata: [
                "anima.redis": "\(configuration.redis)", "anima.secrets": "\(configuration.secrets.count)",
            ]
        )
        let metrics = IngressMetrics()
        let traces = try TraceExport.bootstrap(
            serviceName: "anima-ingress", environment: ProcessInfo.processInfo.environment, logger: logger,
            drops: TraceDrops { metrics.traceSpansDropped($0) }
        )
        let app = buildIngressApplication(configuration: configuration, logger: logger, metrics: metrics) { port in
            // One line on stdout that scripts and tests wait for.
            FileHandle.standardOutput.write(Data("anima-ingress listening on \(configuration.host):\(port)\n".utf8))
        }
        guard let traces else { return try await app.runService() }
        // The exporter stops after the application, so the last requests' spans are sent.
        let group = ServiceGroup(
            configuration: .init(services: [traces, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
