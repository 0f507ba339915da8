import AnimaHandlers
import AnimaTestSupport
import AnimaWebhooks
import AnimaWorker
import Foundation
import Testing

/// The command handler in-process: what a command gets (stdin, signals, descriptors) and what
/// the worker learns from it (output, exit status), including the edges of pipes that fill up.
@Suite("Command handler") struct CommandHandlerTests {
    /// Runs `command` for one event with `body`; returns the error it threw (nil on success) and
    /// what it logged.
    func run(
        _ command: String, body: [UInt8] = Array("{}".utf8), outputLimit: Int = 4096, id: String = "evt_1"
    ) async throws -> (error: String?, logged: [String]) {
        let recorder = LogRecorder()
        let event = WebhookEvent(id: id, type: "resource.created", attempt: 1, body: Data(body))
        let context = HandlerContext(logger: recorder.logger, timeout: .seconds(60))
        let handler = CommandHandler(command: command, outputLimit: outputLimit)
        let error = try await bounded { () -> String? in
            do {
                try await handler.handle(event, context: context)
                return nil
            } catch {
                return String(describing: error)
            }
        }
        return (try #require(error, "the command did not end within the bound"), recorder.recorded)
    }

    /// Runs `command` and expects success with exactly `logged` as its log lines.
    func expectSuccess(
        _ command: String, body: [UInt8] = Array("{}".utf8), outputLimit: Int = 4096, logging logged: [String],
        _ meaning: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let (error, seen) = try await run(command, body: body, outputLimit: outputLimit)
        #expect(error == nil, "expected success, saw \(error ?? "")", sourceLocation: sourceLocation)
        #expect(seen == logged, "expected \(meaning), saw \(seen)", sourceLocation: sourceLocation)
    }

    @Test func bodyLargerThanThePipeBufferReachesTheCommandWhole() async throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        try await expectSuccess("wc -c", body: body, logging: ["handler output: 1048576"], "wc to count 1048576 bytes")
    }

    @Test func commandThatReadsNoInputEndsAlthoughItsBodyOverfillsThePipe() async throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        try await expectSuccess("exit 0", body: body, logging: [], "no output")
    }

    @Test func outputPastTheLimitIsReadCountedAndDropped() async throws {
        try await expectSuccess(
            "head -c 200000 /dev/zero | tr '\\0' x", outputLimit: 10,
            logging: ["handler output: xxxxxxxxxx … (199990 more bytes dropped)"], "10 bytes kept and 199990 dropped")
    }

    @Test func stdoutAndStderrAreLoggedTogetherInOneLine() async throws {
        try await expectSuccess("echo out; echo err >&2", logging: ["handler output: out\\nerr"], "both streams in one line")
    }

    @Test func commandRunsWithDefaultSignalDispositions() async throws {
        // The worker ignores SIGPIPE; inherited, `yes` would report "Broken pipe" and fail.
        try await expectSuccess("yes | head -n 1", logging: ["handler output: y"], "only `y`")
    }

    @Test func commandInheritsNoDescriptorButItsStandardStreams() async throws {
        try await expectSuccess("ls /proc/$$/fd", logging: ["handler output: 0\\n1\\n2"], "descriptors 0, 1 and 2 only")
    }

    @Test func nonZeroExitFailsWithTheStatusAndTheOutputsTail() async throws {
        let (error, _) = try await run("echo no database; exit 3")
        #expect(
            error == "command exited with status 3: no database",
            "expected the status and the output's tail, saw \(error ?? "success")")
    }

    @Test func commandKilledByASignalFailsNamingIt() async throws {
        let (error, _) = try await run("kill -9 $$")
        #expect(error == "command was killed by signal 9", "expected signal 9, saw \(error ?? "success")")
    }

    @Test func twoHundredCommandsAtOnceEachGetTheirOwnEventAndOutput() async throws {
        let results = try await withThrowingTaskGroup(of: (String, [String], String?).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let id = "evt_\(index)"
                    let (error, logged) = try await run("cat; echo \" $ANIMA_EVENT_ID\"", body: Array(id.utf8), id: id)
                    return (id, logged, error)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 200, "expected 200 results, saw \(results.count)")
        for (id, logged, error) in results {
            #expect(error == nil, "\(id): expected success, saw \(error ?? "")")
            #expect(logged == ["handler output: \(id) \(id)"], "\(id): expected its body and id, saw \(logged)")
        }
    }
}
