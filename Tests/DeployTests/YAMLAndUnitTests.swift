import AnimaTestSupport
import Foundation
import Testing
import Yams

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

    /// The services of a compose file by name.
    static func services(_ path: String) throws -> [String: Any] {
        let compose = try DeployFiles.yamlDocuments(path).first as? [String: Any]
        return (compose?["services"] as? [String: Any]) ?? [:]
    }

    @Test(arguments: DeployFiles.composeFiles)
    func composeWorkerIsScalable(path: String) throws {
        let worker = try Self.services(path)["worker"] as? [String: Any]
        #expect(worker != nil, "\(path): expected a worker service")
        #expect(
            worker?["ports"] == nil,
            "\(path): a published port stops `--scale worker=4`; saw ports \(String(describing: worker?["ports"]))"
        )
        #expect(worker?["container_name"] == nil, "\(path): a container_name stops `--scale worker=4`")
    }

    @Test func sentinelComposeHasDataNodesSentinelsIngressAndWorker() throws {
        let services = try Self.services("deploy/docker/compose.sentinel.yaml")
        let expected: Set<String> = ["redis-1", "redis-2", "sentinel-1", "sentinel-2", "sentinel-3", "ingress", "worker"]
        #expect(
            Set(services.keys).isSuperset(of: expected),
            "expected services \(expected.sorted()); saw \(services.keys.sorted())"
        )
    }

    /// Both anima services find the master through the three Sentinels; the ingress waits for a replica.
    @Test func sentinelComposeUsesTheSentinelsAndOneReplica() throws {
        let services = try Self.services("deploy/docker/compose.sentinel.yaml")
        for name in ["ingress", "worker"] {
            let environment = (services[name] as? [String: Any])?["environment"] as? [String: Any]
            let url = environment?["REDIS_URL"] as? String ?? ""
            #expect(
                url.hasPrefix("redis-sentinel://") && url.hasSuffix("@sentinel-1:26379,sentinel-2:26379,sentinel-3:26379/anima"),
                "\(name) REDIS_URL: expected redis-sentinel://:PASSWORD@sentinel-1:26379,sentinel-2:26379,sentinel-3:26379/anima, saw \(url)"
            )
        }
        let ingress = (services["ingress"] as? [String: Any])?["environment"] as? [String: Any]
        let minReplicas = ingress?["ANIMA_MIN_REPLICAS"] as? String
        #expect(minReplicas == "1", "ingress ANIMA_MIN_REPLICAS: expected 1, saw \(String(describing: minReplicas))")
    }

    /// The ingress and worker health checks of the Sentinel set-up are those that
    /// HealthCheckTests runs against the executables (from compose.yaml).
    @Test(arguments: ["ingress", "worker"])
    func sentinelComposeHealthChecksAreTheTestedOnes(service: String) throws {
        func healthCheck(_ path: String) throws -> [String]? {
            let definition = try Self.services(path)[service] as? [String: Any]
            return (definition?["healthcheck"] as? [String: Any])?["test"] as? [String]
        }
        let tested = try healthCheck("deploy/docker/compose.yaml")
        let sentinel = try healthCheck("deploy/docker/compose.sentinel.yaml")
        #expect(
            sentinel == tested && tested != nil,
            "\(service) health check: expected compose.yaml's \(String(describing: tested)), saw \(String(describing: sentinel))"
        )
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

    @Test(arguments: DeployFiles.composeFiles)
    func composeWorkerStopGraceExceedsTheShutdownGrace(path: String) throws {
        let worker = try Self.services(path)["worker"] as? [String: Any]
        let period = (worker?["stop_grace_period"] as? String).flatMap { Double($0.dropLast()) } ?? 10  // compose's default
        let grace =
            ((worker?["environment"] as? [String: Any])?["ANIMA_SHUTDOWN_GRACE_SECONDS"] as? String).flatMap(Double.init)
            ?? Self.defaultGrace
        #expect(period > grace, "\(path): worker stop_grace_period: expected more than the grace \(grace) s, saw \(period) s")
    }

    /// The commented `redis-sentinel` trigger at the end of keda.yaml, once uncommented, is a
    /// valid trigger that measures the same list as the `redis` one.
    @Test func kedaSentinelTriggerMatchesTheRedisTrigger() throws {
        let path = "deploy/kubernetes/keda.yaml"
        let scaled = try DeployFiles.yamlDocuments(path).compactMap { $0 as? [String: Any] }.first {
            $0["kind"] as? String == "ScaledObject"
        }
        let redis = ((scaled?["spec"] as? [String: Any])?["triggers"] as? [[String: Any]])?.first
        let lines = try DeployFiles.text(path).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasSuffix("# - type: redis-sentinel") }) else {
            throw DeployFailure("\(path): expected a commented trigger '# - type: redis-sentinel'")
        }
        let uncommented = lines[start...].prefix { $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.map { line -> String in
            guard let marker = line.range(of: "# ") else { return line }
            return line.replacingCharacters(in: marker, with: "")
        }
        let sentinel = (try Yams.load(yaml: uncommented.joined(separator: "\n")) as? [[String: Any]])?.first
        #expect(
            sentinel?["type"] as? String == "redis-sentinel",
            "\(path): expected type redis-sentinel, saw \(String(describing: sentinel))"
        )
        let metadata = sentinel?["metadata"] as? [String: Any]
        let redisMetadata = redis?["metadata"] as? [String: Any]
        for key in ["listName", "listLength", "activationListLength"] {
            #expect(
                metadata?[key] as? String == redisMetadata?[key] as? String && metadata?[key] != nil,
                "\(path) \(key): expected the redis trigger's \(String(describing: redisMetadata?[key])), saw \(String(describing: metadata?[key]))"
            )
        }
        let master = metadata?["sentinelMaster"] as? String
        #expect(master == "anima", "\(path) sentinelMaster: expected anima (sentinel.conf's master), saw \(String(describing: master))")
        let addresses = (metadata?["addresses"] as? String)?.split(separator: ",") ?? []
        #expect(
            addresses.count == 3 && addresses.allSatisfy { $0.hasSuffix(":26379") },
            "\(path) addresses: expected three Sentinels HOST:26379, saw \(addresses)"
        )
        let authentication = (sentinel?["authenticationRef"] as? [String: Any])?["name"] as? String
        let redisAuthentication = (redis?["authenticationRef"] as? [String: Any])?["name"] as? String
        #expect(
            authentication == redisAuthentication && authentication != nil,
            "\(path) authenticationRef: expected \(String(describing: redisAuthentication)), saw \(String(describing: authentication))"
        )
    }

    @Test func sentinelUnitRunsSentinelWithAWritableConf() throws {
        let unit = try DeployFiles.text("deploy/systemd/redis-sentinel-anima.service")
        let exec = unit.firstMatch(of: /(?m)^ExecStart=(.*)$/).map { String($0.output.1) }
        #expect(
            exec?.hasPrefix("/usr/bin/redis-server /etc/redis/sentinel-anima.conf --sentinel") == true,
            "ExecStart: expected /usr/bin/redis-server /etc/redis/sentinel-anima.conf --sentinel …, saw \(String(describing: exec))"
        )
        let writable = unit.firstMatch(of: /(?m)^ReadWritePaths=(.*)$/).map { $0.output.1.split(separator: " ").map(String.init) } ?? []
        #expect(writable.contains("/etc/redis"), "ReadWritePaths: expected /etc/redis (Sentinel rewrites its conf there), saw \(writable)")
        let user = unit.firstMatch(of: /(?m)^User=(.*)$/).map { String($0.output.1) }
        #expect(user == "redis", "User: expected redis (the owner of /etc/redis/sentinel-anima.conf), saw \(String(describing: user))")
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
        #expect(
            units.count == 3,
            "expected anima-ingress.service, anima-worker@.service and redis-sentinel-anima.service, saw \(units)"
        )
        var copies: [String] = []
        for unit in units {
            let text = try DeployFiles.text(unit)
            if (unit as NSString).lastPathComponent.hasPrefix("anima-") {
                #expect(text.contains("ExecStart=/usr/local/bin/anima-"), "\(unit): expected ExecStart=/usr/local/bin/anima-…")
            }
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
