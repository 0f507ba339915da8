import AnimaTestSupport
import Foundation
import Testing

/// Runs `Tests/browser/dashboard_test.py`: headless Chromium (Debian's `chromium` and
/// `chromium-driver`, Selenium from PyPI) against the real `anima-admin dashboard`,
/// `anima-worker` and a `redis-server`. Nothing is skipped: without Chromium the script fails
/// and says what is missing (`scripts/test` installs it).
@Suite("Dashboard in a real browser")
struct DashboardBrowserTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("browser/dashboard_test.py").path
    }

    @Test func operatorFiltersReplaysSeesTheWorkerHandleItAndSetsALimit() async throws {
        let process = try await ManagedProcess(
            "/usr/bin/env",
            arguments: ["python3", Self.script, "--bin-dir", ManagedProcess.binDirectory.path],
            environment: ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root"]
        )
        guard let status = await process.waitForExit(timeout: .seconds(240)) else {
            _ = await process.terminate()
            Issue.record(
                "expected the browser test to finish within 240 s; output so far:\n\(process.standardOutput)\n\(process.standardError)")
            return
        }
        #expect(
            status == .exited(0),
            "expected exit 0 and '5 passed, 0 failed', saw \(status):\n\(process.standardOutput)\n\(process.standardError)"
        )
    }
}
