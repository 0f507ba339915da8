import AnimaTestSupport
import Foundation
import Testing

/// The compose health checks (bash one-liners over /dev/tcp, since the slim image has no
/// curl) run against the real executables: healthy when they should be, unhealthy when not.
@Suite("Deploy: compose health checks")
struct HealthCheckTests {
    /// The `bash -c` script of `service`'s health check, with compose's `$$` unescaped and the
    /// container port replaced by `port`.
    static func script(of service: String, containerPort: Int, port: Int) throws -> String {
        let compose = try DeployFiles.yamlDocuments("deploy/docker/compose.yaml").first as? [String: Any]
        let test =
            (((compose?["services"] as? [String: Any])?[service] as? [String: Any])?["healthcheck"] as? [String: Any])?["test"] as? [String]
        guard let test, test.count == 4, test[0] == "CMD", test[1] == "bash", test[2] == "-c" else {
            throw DeployFailure("\(service): expected a healthcheck [CMD, bash, -c, SCRIPT], saw \(String(describing: test))")
        }
        return test[3].replacingOccurrences(of: "$$", with: "$")
            .replacingOccurrences(of: "/dev/tcp/127.0.0.1/\(containerPort)", with: "/dev/tcp/127.0.0.1/\(port)")
    }

    /// Runs `script` with bash; its exit status.
    static func run(_ script: String) async throws -> Int32 {
        let process = try await ManagedProcess("/bin/bash", arguments: ["-c", script], environment: [:])
        return switch await process.waitForExit(timeout: .seconds(5)) {
        case .exited(let code): code
        case .signaled, nil: -1
        }
    }

    @Test func ingressCheckPassesWhileRedisAnswersAndFailsWithout() async throws {
        let redis = try await RedisServer()
        let ingress = try await IngressProcess(redisURL: redis.url)
        let script = try Self.script(of: "ingress", containerPort: 3000, port: ingress.port)
        let ready = try await Self.run(script)
        #expect(ready == 0, "with Redis up: expected exit 0, saw \(ready)")
        await redis.stop()
        let unready = try await eventually(timeout: .seconds(10)) { try await Self.run(script) != 0 }
        #expect(unready, "with Redis stopped: expected a non-zero exit (readyz 503), saw 0 for 10 s")
        await ingress.stop()
    }

    @Test func workerCheckPassesOnTheMetricsPort() async throws {
        let redis = try await RedisServer()
        let port = FreePort.find()
        let worker = try await ManagedProcess(
            "anima-worker",
            arguments: ["--on", "*=builtin:ack"],
            environment: ["REDIS_URL": redis.url, "ANIMA_METRICS_PORT": String(port)]
        )
        let script = try Self.script(of: "worker", containerPort: 9090, port: port)
        let healthy = try await eventually(timeout: .seconds(10)) { try await Self.run(script) == 0 }
        #expect(healthy, "expected exit 0 from the worker's health check within 10 s; worker stderr: \(worker.standardError)")
        let status = await worker.terminate()
        #expect(status == .exited(0), "worker after SIGTERM: expected exit 0, saw \(status)")
        await redis.stop()
    }
}
