import AnimaCLI
import AnimaIngress
import ArgumentParser
import Foundation
import Hummingbird
import Logging

/// `anima-ingress`: verify signed Anima webhooks and queue them in Redis.
@main
struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anima-ingress",
        abstract: "Receive signed Anima webhooks and queue them in Redis.",
        discussion: "Every option can also be set by its environment variable; the flag wins."
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
        let app = buildIngressApplication(configuration: configuration, logger: logger) { port in
            // One line on stdout that scripts and tests wait for.
            FileHandle.standardOutput.write(Data("anima-ingress listening on \(configuration.host):\(port)\n".utf8))
        }
        try await app.runService()
    }
}
