import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// Start-up: bad settings stop the worker with one clear line; a handlers file works.
@Suite("Worker: configuration")
struct WorkerConfigurationTests {
    struct BadStart: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        let environment: [String: String]
        /// What the first stderr line must name.
        let names: String
        var testDescription: String { name }
    }

    static let badStarts = [
        BadStart(name: "unknown builtin", arguments: ["--on", "resource.created=builtin:nope"], environment: [:], names: "builtin:nope"),
        BadStart(name: "--on without =", arguments: ["--on", "resource.created"], environment: [:], names: "--on"),
        BadStart(name: "no handlers", arguments: [], environment: [:], names: "handlers"),
        BadStart(
            name: "bad concurrency",
            arguments: ["--on", "*=builtin:ack"],
            environment: ["ANIMA_WORKER_CONCURRENCY": "many"],
            names: "ANIMA_WORKER_CONCURRENCY"
        ),
        BadStart(
            name: "zero concurrency",
            arguments: ["--on", "*=builtin:ack"],
            environment: ["ANIMA_WORKER_CONCURRENCY": "0"],
            names: "ANIMA_WORKER_CONCURRENCY"
        ),
        BadStart(
            name: "unreadable handlers file",
            arguments: ["--handlers", "/nonexistent/handlers.yaml"],
            environment: [:],
            names: "--handlers"
        ),
        BadStart(name: "malformed http handler", arguments: ["--on", "*=http://"], environment: [:], names: "http://"),
    ]

    @Test(arguments: badStarts)
    func badSettingStopsTheStartNamingIt(_ bad: BadStart) async throws {
        // Redis is never reached: the start must fail before.
        let process = try await ManagedProcess(
            "anima-worker",
            arguments: bad.arguments,
            environment: bad.environment.merging(["REDIS_URL": "redis://127.0.0.1:1/0"]) { old, _ in old }
        )
        let status = await process.waitForExit(timeout: .seconds(10))
        if status == nil { await process.terminate(signal: SIGKILL) }
        #expect(status != nil && status != .exited(0), "expected a non-zero exit, saw \(status.map(\.description) ?? "still running")")
        let first = process.standardError.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains(bad.names), "expected the first stderr line to name \(bad.names), saw: \(first)")
        #expect(!process.standardError.contains("Fatal error"), "a crash, not an error line: \(process.standardError)")
    }

    @Test func yamlHandlersFileIsUsed() async throws {
        try await PipelineFixture.run { f in
            let yaml = """
                # handlers for the test
                resource.created: |-
                  \(f.record())
                other.type: builtin:ack
                """
            try yaml.write(toFile: f.path("handlers.yaml"), atomically: true, encoding: .utf8)
            try await f.startWorker([], arguments: ["--handlers", f.path("handlers.yaml")])
            let event = makeEvent()
            try await f.push(event.body)
            #expect(await f.waitUntilDone([event.id]))
            #expect(f.lines("runs.log") == ["\(event.id) 1"], "runs: \(f.lines("runs.log"))")
        }
    }

    /// Set by the executable's entry point (the library leaves process-wide signals alone).
    @Test func theExecutableIgnoresSIGPIPE() async throws {
        try await PipelineFixture.run { f in
            let worker = try await f.startWorker(["*=builtin:ack"])
            let ignored = ignoredSignals(of: worker.pid)
            #expect(
                ignored?.contains(SIGPIPE) == true,
                "expected SIGPIPE ignored, saw the ignored signals \(ignored.map { $0.sorted() } ?? [])"
            )
        }
    }
}
