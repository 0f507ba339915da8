import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// The executable's lifecycle: start, configuration errors, SIGTERM.
@Suite("Ingress: process")
struct IngressProcessTests {
    @Test func sigtermExitsWithStatusZero() async throws {
        let redis = try await RedisServer()
        let ingress = try await IngressProcess(redisURL: redis.url)
        let status = await ingress.stop(signal: SIGTERM, timeout: .seconds(10))
        #expect(status == .exited(0), "expected exit 0, saw \(status); stderr: \(ingress.process.standardError)")
        await redis.stop()
    }

    /// Set by the executable's entry point, not by a library.
    @Test func theExecutableIgnoresSIGPIPE() async throws {
        let redis = try await RedisServer()
        let ingress = try await IngressProcess(redisURL: redis.url)
        let ignored = ignoredSignals(of: ingress.process.pid)
        #expect(
            ignored?.contains(SIGPIPE) == true,
            "expected SIGPIPE ignored, saw the ignored signals \(ignored.map { $0.sorted() } ?? [])"
        )
        await ingress.stop()
        await redis.stop()
    }

    @Test func sigtermAfterTrafficExitsWithStatusZero() async throws {
        let redis = try await RedisServer()
        let ingress = try await IngressProcess(redisURL: redis.url)
        #expect(try await ingress.postSigned(eventBody()).status == 200)
        let status = await ingress.stop(signal: SIGTERM, timeout: .seconds(10))
        #expect(status == .exited(0), "expected exit 0, saw \(status)")
        await redis.stop()
    }

    /// Starts the ingress with `environment`, expects it to stop by itself with a non-zero exit,
    /// and returns the first line of its stderr.
    func failedStart(_ environment: [String: String]) async throws -> String {
        var environment = environment
        environment["PORT"] = environment["PORT"] ?? "0"
        let process = try await ManagedProcess("anima-ingress", environment: environment)
        let status = await process.waitForExit(timeout: .seconds(10))
        if status == nil { await process.terminate(signal: SIGKILL) }
        #expect(status != nil && status != .exited(0), "expected a non-zero exit, saw \(status.map(\.description) ?? "still running")")
        #expect(!process.standardOutput.contains("listening on"), "it started listening")
        return process.standardError.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test func missingSecretStopsTheStartNamingTheSetting() async throws {
        let line = try await failedStart(["REDIS_URL": "redis://127.0.0.1:1/0"])
        #expect(line.contains("ANIMA_WEBHOOK_SECRET"), "first stderr line: \(line)")
    }

    @Test func emptySecretStopsTheStartNamingTheSetting() async throws {
        let line = try await failedStart(["ANIMA_WEBHOOK_SECRET": "   "])
        #expect(line.contains("ANIMA_WEBHOOK_SECRET"), "first stderr line: \(line)")
    }

    @Test(arguments: ["abc", "-1", "70000", "3000x"])
    func badPortStopsTheStartNamingTheSetting(port: String) async throws {
        let line = try await failedStart(["ANIMA_WEBHOOK_SECRET": "s", "PORT": port])
        #expect(line.contains("PORT"), "PORT=\(port): first stderr line: \(line)")
    }

    @Test func badRedisURLStopsTheStartNamingTheSetting() async throws {
        let line = try await failedStart(["ANIMA_WEBHOOK_SECRET": "s", "REDIS_URL": "http://:hunter2@x/0"])
        #expect(line.contains("REDIS_URL"), "first stderr line: \(line)")
        #expect(!line.contains("hunter2"), "the error shows the password: \(line)")
    }

    @Test func badToleranceStopsTheStartNamingTheSetting() async throws {
        let line = try await failedStart(["ANIMA_WEBHOOK_SECRET": "s", "ANIMA_TOLERANCE_SECONDS": "soon"])
        #expect(line.contains("ANIMA_TOLERANCE_SECONDS"), "first stderr line: \(line)")
    }

    @Test func redisDownAtStartDoesNotStopTheIngress() async throws {
        let ingress = try await IngressProcess(redisURL: "redis://127.0.0.1:\(FreePort.find())/0")
        let answer = try await ingress.postSigned(eventBody())
        #expect(answer.status == 503, "saw \(answer.summary)")
        #expect(ingress.process.isRunning)
        await ingress.stop()
    }
}
