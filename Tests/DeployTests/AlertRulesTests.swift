import AnimaTestSupport
import Foundation
import Testing

/// deploy/prometheus/alerts.yaml is valid Prometheus, and its queue alerts fire on the workers'
/// gauges (`promtool`, from Debian's prometheus package, which scripts/test installs).
@Suite("Deploy: Prometheus alerts")
struct AlertRulesTests {
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs promtool in deploy/prometheus on a thread of its own; (exit status, output).
    func promtool(_ arguments: [String]) async throws -> (Int32, String) {
        let tool = try #require(Self.promtool, "promtool is not installed: run scripts/test, which installs Debian's prometheus package")
        let directory = DeployFiles.root.appendingPathComponent("deploy/prometheus")
        return try await runBlocking { () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.currentDirectoryURL = directory
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
    }

    @Test func rulesPassPromtoolCheck() async throws {
        let (status, output) = try await promtool(["check", "rules", "alerts.yaml"])
        #expect(
            status == 0 && output.contains("SUCCESS"), "promtool check rules: expected exit 0 and SUCCESS, saw exit \(status):\n\(output)")
    }

    @Test func backlogAndDeadLetterAlertsFireOnTheQueueGauges() async throws {
        let (status, output) = try await promtool(["test", "rules", "alerts.test.yaml"])
        #expect(
            status == 0 && output.contains("SUCCESS"), "promtool test rules: expected exit 0 and SUCCESS, saw exit \(status):\n\(output)")
    }

    @Test func everyQueueGaugeTheRulesUseIsOneTheWorkerExports() throws {
        let rules = try DeployFiles.text("deploy/prometheus/alerts.yaml")
        let used = Set(rules.matches(of: /anima_queue_[a-z_]+/).map { String($0.output) })
        let exported: Set = [
            "anima_queue_pending", "anima_queue_scheduled", "anima_queue_dead", "anima_queue_paused_events",
            "anima_queue_oldest_pending_age_seconds",
        ]
        #expect(used.isSubset(of: exported), "expected only exported gauges, saw unknown \(used.subtracting(exported))")
    }

    @Test func everyFlowGaugeTheRulesUseIsOneTheWorkerExports() throws {
        let rules = try DeployFiles.text("deploy/prometheus/alerts.yaml")
        let used = Set(rules.matches(of: /anima_(?:breaker|flow)_[a-z_]+/).map { String($0.output) })
        #expect(used == ["anima_breaker_open", "anima_flow_held_events"], "expected the rules on both flow gauges, saw \(used.sorted())")
        let sources = try ReadmeTests.sourceLines()
        for gauge in used.sorted() {
            #expect(sources.contains { $0.contains("label: \"\(gauge)\"") }, "the rules use \(gauge), which no source exports")
        }
    }
}
