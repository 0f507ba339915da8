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

    @Test func bodyLargerThanThePipeBufferReachesTheCommandWhole() async throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let (error, logged) = try await run("wc -c", body: body)
        #expect(error == nil, "expected success, saw \(error ?? "")")
        #expect(logged == ["handler output: 1048576"], "expected wc to count 1048576 bytes, saw \(logged)")
    }

    @Test func commandThatReadsNoInputEndsAlthoughItsBodyOverfillsThePipe() async throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let (error, logged) = try await run("exit 0", body: body)
        #expect(error == nil, "expected success, saw \(error ?? "")")
        #expect(logged.isEmpty, "expected no output, saw \(logged)")
    }

    @Test func outputPastTheLimitIsReadCountedAndDropped() async throws {
        let (error, logged) = try await run("head -c 200000 /dev/zero | tr '\\0' x", outputLimit: 10)
        #expect(error == nil, "expected success, saw \(error ?? "")")
        #expect(
            logged == ["handler output: xxxxxxxxxx … (199990 more bytes dropped)"],
            "expected 10 bytes kept and 199990 dropped, saw \(logged)")
    }

    @Test func stdoutAndStderrAreLoggedTogetherInOneLine() async throws {
        let (error, logged) = try await run("echo out; echo err >&2")
        #expect(error == nil, "expected success, saw \(error ?? "")")
        #expect(logged == ["handler output: out\\nerr"], "expected both streams in one line, saw \(logged)")
    }

    @Test func commandRunsWithDefaultSignalDispositions() async throws {
        // The worker ignores SIGPIPE; inherited, `yes` would report "Broken pipe" and fail.
        let (error, logged) = try await run("yes | head -n 1")
        #expect(error == nil, "expected success, saw \(error ?? "")")
        #expect(logged == ["handler output: y"], "expected only `y`, saw \(logged)")
    }

    @Test func commandInheritsNoDescriptorButItsStandardStreams() async throws {
        let (error, logged) = try await run("ls /proc/$$/fd")
        #expect(error == nil, "expected success, saw \(error ?? "")")
        #expect(logged == ["handler output: 0\\n1\\n2"], "expected descriptors 0, 1 and 2 only, saw \(logged)")
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
