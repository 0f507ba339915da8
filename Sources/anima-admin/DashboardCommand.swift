import AnimaCLI
import AnimaDashboard
import ArgumentParser
import Foundation
import Hummingbird
import Logging

/// `anima-admin dashboard`: the web dashboard (see the contract's "Dashboard").
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the web dashboard: queue overview, dead letters, retries, event history, pause/resume.",
        discussion:
            "Every option can also be set by its environment variable; the flag wins. Without a password it only listens on a loopback host."
    )

    @Option(name: .customLong("dashboard-host"), help: "Listen address (env ANIMA_DASHBOARD_HOST; default 127.0.0.1).")
    var host: String?
    @Option(name: .customLong("dashboard-port"), help: "Listen port (env ANIMA_DASHBOARD_PORT; default 3001; 0 picks a free one).")
    var port: String?
    @Option(name: .customLong("dashboard-user"), help: "HTTP Basic user (env ANIMA_DASHBOARD_USER; default admin).")
    var user: String?
    @Option(
        name: .customLong("dashboard-password"),
        help: "HTTP Basic password (env ANIMA_DASHBOARD_PASSWORD). Prefer the variable: flags show in ps.")
    var password: String?
    @Flag(
        name: .customLong("dashboard-read-only"),
        help: "Refuse every change with 403 and show no controls (env ANIMA_DASHBOARD_READ_ONLY=1).")
    var readOnly = false
    @Option(
        name: .customLong("dashboard-base-path"),
        help: "Prefix of every link and route, behind a reverse proxy (env ANIMA_DASHBOARD_BASE_PATH).")
    var basePath: String?
    @OptionGroup var redis: RedisOptions
    @OptionGroup var log: LogOptions

    func run() async throws {
        let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
        let configuration = try dashboardConfiguration(settings)
        let logger = try LogSetup(options: log, settings: settings).bootstrap(label: "anima-dashboard")
        let app = try buildDashboardApplication(configuration: configuration, logger: logger) { port in
            // One line on stdout that scripts and tests wait for.
            let line = "anima-admin dashboard listening on http://\(configuration.host):\(port)\(configuration.basePath)/\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        try await app.runService()
    }

    func dashboardConfiguration(_ settings: SettingsReader) throws -> DashboardConfiguration {
        let (redisConfiguration, prefix) = try redis.resolve(settings)
        let host = settings.string(host, "ANIMA_DASHBOARD_HOST", default: "127.0.0.1")
        let password = settings.text(password, "ANIMA_DASHBOARD_PASSWORD")
        guard password != nil || DashboardConfiguration.isLoopback(host: host) else {
            throw AdminFailure(
                "refusing to serve the dashboard on \(host) without a password: set ANIMA_DASHBOARD_PASSWORD, or listen on 127.0.0.1"
            )
        }
        let readOnlyText = settings.text(readOnly ? "1" : nil, "ANIMA_DASHBOARD_READ_ONLY") ?? "0"
        guard ["0", "1", "true", "false"].contains(readOnlyText) else {
            throw AdminFailure("ANIMA_DASHBOARD_READ_ONLY must be 1 or 0, got '\(readOnlyText)'")
        }
        return DashboardConfiguration(
            host: host,
            port: try settings.integer(port, "ANIMA_DASHBOARD_PORT", default: 3001, range: 0...65535),
            basePath: settings.string(basePath, "ANIMA_DASHBOARD_BASE_PATH", default: ""),
            user: settings.string(user, "ANIMA_DASHBOARD_USER", default: "admin"),
            password: password,
            readOnly: readOnlyText == "1" || readOnlyText == "true",
            redis: redisConfiguration,
            keyPrefix: prefix
        )
    }
}
