import AnimaRedis
import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// The three executables against a redis-server that speaks only TLS to them (`rediss://`).
@Suite("TLS to Redis: the executables")
struct TLSEndToEndTests {
    /// A TLS Redis, a CA, and a plain client of the same server for the test's own look-ups.
    struct Setting {
        let certificates: TLSCertificates
        let redis: TLSRedisServer
        let client: RedisClient

        init(requireClientCertificate: Bool = false) async throws {
            certificates = try TLSCertificates()
            redis = try await TLSRedisServer(certificates: certificates, requireClientCertificate: requireClientCertificate)
            client = RedisClient(configuration: try RedisConfiguration(url: redis.plainURL))
        }

        func tearDown() async {
            await client.shutdown()
            await redis.stop()
        }
    }

    static func run(requireClientCertificate: Bool = false, _ body: (Setting) async throws -> Void) async throws {
        let setting = try await Setting(requireClientCertificate: requireClientCertificate)
        try await withCleanup({ try await body(setting) }, cleanup: { await setting.tearDown() })
    }

    @Test func ingressWorkerAndAdminWorkOverRediss() async throws {
        try await Self.run { s in
            let environment = s.certificates.environment()
            let ingress = try await IngressProcess(redisURL: s.redis.url, environment: environment)
            let worker = try await WorkerProcess(redisURL: s.redis.url, handlers: ["*=builtin:ack"], environment: environment)
            try await withCleanup {
                try await worker.waitUntilRegistered(client: s.client)
                let event = makeEvent()
                let answer = try await ingress.postSigned(Array(event.body.utf8))
                #expect(answer.status == 200, "saw \(answer); ingress stderr: \(ingress.process.standardError)")
                let done = await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                    (try? await s.client.send(RedisCommand("GET", "anima:event:\(event.id)")).string) == "done"
                }
                #expect(done, "the worker did not handle \(event.id); stderr: \(worker.process.standardError)")
                let stats = try await AdminProcess.run(["stats", "--json", "--redis-url", s.redis.url], environment: environment)
                #expect(stats.succeeded, "\(stats)")
                #expect(jsonObject(stats.standardOutput)?["workers"] as? Int == 1, "\(stats)")
            } cleanup: {
                await worker.stop()
                await ingress.stop()
            }
        }
    }

    @Test func aWrongCAMeans503AndALogThatSaysWhyThenTheRightCAWorksAtTheNextStart() async throws {
        try await Self.run { s in
            let wrong = try await IngressProcess(
                redisURL: s.redis.url,
                environment: ["ANIMA_REDIS_TLS_CA_FILE": s.certificates.otherCAFile]
            )
            try await withCleanup {
                let answer = try await wrong.postSigned(Array(makeEvent().body.utf8))
                #expect(answer.status == 503, "saw \(answer)")
                #expect(wrong.process.isRunning, "the ingress stopped")
                let logged = await eventually(timeout: .seconds(10)) {
                    wrong.process.standardError.contains("TLS handshake failed: certificate verify failed")
                }
                #expect(logged, "the log does not say why: \(wrong.process.standardError)")
            } cleanup: {
                await wrong.stop()
            }
            let right = try await IngressProcess(redisURL: s.redis.url, environment: s.certificates.environment())
            try await withCleanup {
                let answer = try await right.postSigned(Array(makeEvent().body.utf8))
                #expect(answer.status == 200, "saw \(answer); stderr: \(right.process.standardError)")
            } cleanup: {
                await right.stop()
            }
        }
    }

    @Test func aClientCertificateRequiredByRedisIsGivenByTheWorker() async throws {
        try await Self.run(requireClientCertificate: true) { s in
            let worker = try await WorkerProcess(
                redisURL: s.redis.url,
                handlers: ["*=builtin:ack"],
                environment: s.certificates.environment(client: true)
            )
            try await withCleanup {
                try await worker.waitUntilRegistered(client: s.client)
                let event = makeEvent()
                _ = try await s.client.send(RedisCommand("LPUSH", "anima:events", event.body))
                let done = await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
                    (try? await s.client.send(RedisCommand("GET", "anima:event:\(event.id)")).string) == "done"
                }
                #expect(done, "the worker did not handle \(event.id); stderr: \(worker.process.standardError)")
            } cleanup: {
                await worker.stop()
            }
        }
    }

    @Test(arguments: ["anima-ingress", "anima-worker"])
    func aMissingCAFileStopsTheStartWithOneLine(executable: String) async throws {
        let environment = [
            "REDIS_URL": "rediss://127.0.0.1:6380/0", "ANIMA_REDIS_TLS_CA_FILE": "/nonexistent/anima-ca.pem",
            "ANIMA_WEBHOOK_SECRET": "s", "PORT": "0",
        ]
        let arguments = executable == "anima-worker" ? ["--on", "*=builtin:ack"] : []
        let process = try await ManagedProcess(executable, arguments: arguments, environment: environment)
        let status = await process.waitForExit(timeout: .seconds(10))
        if status == nil { await process.terminate(signal: SIGKILL) }
        #expect(status != nil && status != .exited(0), "expected a non-zero exit, saw \(status.map(\.description) ?? "still running")")
        let lines = process.standardError.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].contains("ANIMA_REDIS_TLS_CA_FILE") && lines[0].contains("/nonexistent/anima-ca.pem"),
            "stderr: \(lines)"
        )
    }

    @Test func aMissingCAFileIsAnAdminError() async throws {
        let run = try await AdminProcess.run(
            ["stats", "--redis-url", "rediss://127.0.0.1:6380/0"],
            environment: ["ANIMA_REDIS_TLS_CA_FILE": "/nonexistent/anima-ca.pem"]
        )
        #expect(run.failed && run.errorLines.count == 1 && run.errorLines[0].contains("ANIMA_REDIS_TLS_CA_FILE"), "\(run)")
    }

    @Test func tlsSettingsWithAPlainURLStopTheStartWithOneLine() async throws {
        let run = try await AdminProcess.run(
            ["stats", "--redis-url", "redis://127.0.0.1:6379/0", "--redis-tls-ca-file", "/etc/ssl/certs/ca-certificates.crt"]
        )
        #expect(run.failed && run.errorLines.count == 1 && run.errorLines[0].contains("rediss://"), "\(run)")
    }
}
