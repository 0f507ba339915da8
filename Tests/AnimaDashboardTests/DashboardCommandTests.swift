import AnimaTestSupport
import Foundation
import Testing

/// The real `anima-admin dashboard` binary: where it agrees to listen.
@Suite("Dashboard command")
struct DashboardCommandTests {
    @Test func refusesANonLoopbackHostWithoutAPasswordInOneLine() async throws {
        let result = try await AdminProcess.run(["dashboard"], environment: ["ANIMA_DASHBOARD_HOST": "0.0.0.0"], timeout: .seconds(20))
        #expect(result.failed, "expected a non-zero exit, saw \(result)")
        #expect(result.errorLines.count == 1, "expected one line on stderr, saw \(result.errorLines)")
        #expect(
            result.standardError.contains("ANIMA_DASHBOARD_PASSWORD"),
            "expected the line to name ANIMA_DASHBOARD_PASSWORD, saw \(result.standardError)")
    }

    @Test func servesOnLoopbackWithAndWithoutAPassword() async throws {
        let server = try await RedisServer()
        for environment in [
            ["ANIMA_DASHBOARD_PORT": "0"],
            ["ANIMA_DASHBOARD_PORT": "0", "ANIMA_DASHBOARD_HOST": "127.0.0.2", "ANIMA_DASHBOARD_PASSWORD": "pw"],
        ] {
            let process = try await ManagedProcess(
                "anima-admin", arguments: ["dashboard"], environment: environment.merging(["REDIS_URL": server.url]) { $1 })
            let output = try? await process.waitForOutput(containing: "listening on", timeout: .seconds(20))
            await process.terminate()
            #expect(output != nil, "expected 'listening on' with \(environment), saw \(process.standardOutput) \(process.standardError)")
        }
        await server.stop()
    }
}
