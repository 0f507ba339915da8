import AnimaTestSupport
import Foundation
import Testing

/// The YAML files parse, the compose file has its services, the units pass systemd's own
/// check, and every stop timeout leaves the worker its shutdown grace.
@Suite("Deploy: YAML, systemd, stop timeouts")
struct YAMLAndUnitTests {
    /// The worker's default ANIMA_SHUTDOWN_GRACE_SECONDS (contract).
    static let defaultGrace = 30.0

    @Test(arguments: DeployFiles.yamlFiles)
    func yamlParses(path: String) throws {
        let documents = try DeployFiles.yamlDocuments(path)
        #expect(!documents.isEmpty, "\(path): expected at least one YAML document, saw none")
    }

    @Test func composeHasRedisIngressAndWorker() throws {
        let compose = try DeployFiles.yamlDocuments("deploy/docker/compose.yaml").first as? [String: Any]
        let services = Set((compose?["services"] as? [String: Any])?.keys.map { $0 } ?? [])
        #expect(
            services.isSuperset(of: ["redis", "ingress", "worker"]),
            "expected services redis, ingress, worker; saw \(services.sorted())"
        )
    }

    @Test func composeWorkerIsScalable() throws {
        let compose = try DeployFiles.yamlDocuments("deploy/docker/compose.yaml").first as? [String: Any]
        let worker = (compose?["services"] as? [String: Any])?["worker"] as? [String: Any]
        #expect(worker?["ports"] == nil, "a published port stops `--scale worker=4`; saw ports \(String(describing: worker?["ports"]))")
        #expect(worker?["container_name"] == nil, "a container_name stops `--scale worker=4`")
    }

    @Test func kubernetesHasTheExpectedObjects() throws {
        var kinds: [String] = []
        for path in DeployFiles.yamlFiles where path.hasPrefix("deploy/kubernetes/") {
            for case let object as [String: Any] in try DeployFiles.yamlDocuments(path) {
                kinds.append("\(object["kind"] ?? "?")/\((object["metadata"] as? [String: Any])?["name"] ?? "?")")
            }
        }
        for expected in [
            "Deployment/anima-ingress", "Service/anima-ingress", "Deployment/anima-worker", "ScaledObject/anima-worker",
            "PodDisruptionBudget/anima-ingress", "Secret/anima-secrets",
        ] {
            #expect(kinds.contains(expected), "expected \(expected) in deploy/kubernetes; saw \(kinds)")
        }
    }

    @Test func workerUnitStopTimeoutExceedsTheShutdownGrace() throws {
        let unit = try DeployFiles.text("deploy/systemd/anima-worker@.service")
        let timeout = unit.firstMatch(of: /(?m)^TimeoutStopSec=(\d+)$/).flatMap { Double($0.output.1) }
        #expect(
            (timeout ?? 0) > Self.defaultGrace,
            "TimeoutStopSec: expected more than \(Self.defaultGrace) s, saw \(String(describing: timeout))"
        )
        #expect(
            unit.contains("\nKillMode=mixed\n"),
            "expected KillMode=mixed, so that SIGTERM reaches the worker and not its handlers at once"
        )
    }

    @Test func kubernetesWorkerGracePeriodExceedsTheShutdownGrace() throws {
        let documents = try DeployFiles.yamlDocuments("deploy/kubernetes/worker.yaml")
        let deployment = documents.compactMap { $0 as? [String: Any] }.first { $0["kind"] as? String == "Deployment" }
        let pod = ((deployment?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        let period = (pod?["terminationGracePeriodSeconds"] as? Int).map(Double.init) ?? 0
        let env = ((pod?["containers"] as? [[String: Any]])?.first?["env"] as? [[String: Any]]) ?? []
        let grace =
            env.first { $0["name"] as? String == "ANIMA_SHUTDOWN_GRACE_SECONDS" }.flatMap { ($0["value"] as? String).flatMap(Double.init) }
            ?? Self.defaultGrace
        #expect(period > grace, "terminationGracePeriodSeconds: expected more than the grace \(grace), saw \(period)")
    }

    @Test func composeWorkerStopGraceExceedsTheShutdownGrace() throws {
        let compose = try DeployFiles.yamlDocuments("deploy/docker/compose.yaml").first as? [String: Any]
        let worker = (compose?["services"] as? [String: Any])?["worker"] as? [String: Any]
        let period = (worker?["stop_grace_period"] as? String).flatMap { Double($0.dropLast()) } ?? 10  // compose's default
        let grace =
            ((worker?["environment"] as? [String: Any])?["ANIMA_SHUTDOWN_GRACE_SECONDS"] as? String).flatMap(Double.init)
            ?? Self.defaultGrace
        #expect(period > grace, "worker stop_grace_period: expected more than the grace \(grace) s, saw \(period) s")
    }

    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// `systemd-analyze verify` on copies of the units whose ExecStart points at the binaries
    /// just built (verify insists that the command exists). Skipped where the tool is missing
    /// (macOS, minimal containers): it cannot check anything there.
    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed; the units are not verified"))
    func unitsPassSystemdAnalyzeVerify() async throws {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("anima-units-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let units = DeployFiles.all.filter { $0.hasPrefix("deploy/systemd/") && $0.hasSuffix(".service") }
        #expect(units.count == 2, "expected anima-ingress.service and anima-worker@.service, saw \(units)")
        var copies: [String] = []
        for unit in units {
            let text = try DeployFiles.text(unit)
            #expect(text.contains("ExecStart=/usr/local/bin/anima-"), "\(unit): expected ExecStart=/usr/local/bin/anima-…")
            let copy = directory.appendingPathComponent((unit as NSString).lastPathComponent)
            try text.replacingOccurrences(of: "/usr/local/bin/", with: ManagedProcess.binDirectory.path + "/")
                .write(to: copy, atomically: true, encoding: .utf8)
            copies.append(copy.path)
        }
        // On a thread of its own: verify takes a second or more, too long to hold the cooperative pool.
        let (status, output) = try await runBlocking { [copies] () throws -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.systemdAnalyze!)
            process.arguments = ["verify"] + copies
            process.currentDirectoryURL = directory
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        // Warnings (unknown keys, bad values) leave the exit status 0: any line about our units fails too.
        let ours = output.split(separator: "\n").filter { $0.contains("anima") }
        #expect(
            status == 0 && ours.isEmpty,
            "systemd-analyze verify: expected exit 0 and no remarks, saw exit \(status):\n\(output)"
        )
    }
}
