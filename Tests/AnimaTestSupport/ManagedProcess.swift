public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
public import Musl
#endif

/// One of the package's executables, started for a test, with stdout and stderr captured in
/// memory. Every wait is bounded; the process is killed (SIGKILL) on `deinit` if still running,
/// so no process outlives the test that started it.
public final class ManagedProcess: Sendable {
    /// How a process ended.
    public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let name: String
    public let pid: Int32
    private let process: Process
    private let stdout: OutputCapture
    private let stderr: OutputCapture

    /// Where the package's executables are: `ANIMA_BIN_DIR`, else the directory of the running
    /// test executable (`.build/debug/`).
    public static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["ANIMA_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        let me = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return me.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Starts `executable` (a name in ``binDirectory`` or an absolute path) with exactly
    /// `environment` (plus `PATH`, and the sanitizers' options so that a sanitized child reports
    /// where `scripts/sanitize` collects reports) and `arguments`.
    public init(_ executable: String, arguments: [String] = [], environment: [String: String]) async throws {
        let url =
            executable.hasPrefix("/")
            ? URL(fileURLWithPath: executable) : Self.binDirectory.appendingPathComponent(executable)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Failure(description: "no executable at \(url.path); build it first or set ANIMA_BIN_DIR")
        }
        var environment = environment
        let inherited = ProcessInfo.processInfo.environment
        if environment["PATH"] == nil {
            environment["PATH"] = inherited["PATH"] ?? "/usr/bin:/bin"
        }
        for name in ["TSAN_OPTIONS", "ASAN_OPTIONS"] where environment[name] == nil {
            environment[name] = inherited[name]
        }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdout = OutputCapture()
        let stderr = OutputCapture()
        process.standardOutput = stdout.pipe
        process.standardError = stderr.pipe
        try await process.runWithDefaultSignalMask()
        stdout.startReading()
        stderr.startReading()
        self.name = url.lastPathComponent
        self.pid = process.processIdentifier
        self.process = process
        self.stdout = stdout
        self.stderr = stderr
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    public var standardOutput: String { stdout.text }
    public var standardError: String { stderr.text }
    public var isRunning: Bool { process.isRunning }

    /// The exit status once the process has ended, else nil.
    public var exitStatus: ExitStatus? {
        if process.isRunning { return nil }
        return process.terminationReason == .exit
            ? .exited(process.terminationStatus) : .signaled(process.terminationStatus)
    }

    /// Waits until stdout (or stderr with `inStandardError`) contains `text`; returns that
    /// stream's text. Throws with both streams when the process ends first or `timeout` passes.
    @discardableResult
    public func waitForOutput(
        containing text: String,
        inStandardError: Bool = false,
        timeout: Duration = .seconds(10)
    ) async throws -> String {
        let capture = inStandardError ? stderr : stdout
        let seen = await eventually(timeout: timeout, interval: .milliseconds(10)) {
            capture.text.contains(text) || !process.isRunning
        }
        let output = capture.text
        if output.contains(text) { return output }
        let why = seen ? "\(name) ended (\(exitStatus.map(\.description) ?? "?"))" : "timed out after \(timeout)"
        throw Failure(
            description: "expected '\(text)' in \(name)'s output; \(why).\nstdout: \(standardOutput)\nstderr: \(standardError)"
        )
    }

    /// Waits up to `timeout` for the process to end by itself, then (at most 2 s more) for the
    /// last of its output to be read.
    public func waitForExit(timeout: Duration) async -> ExitStatus? {
        _ = await eventually(timeout: timeout, interval: .milliseconds(10)) { !process.isRunning }
        if !process.isRunning {
            _ = await eventually(timeout: .seconds(2), interval: .milliseconds(5)) { stdout.isAtEnd && stderr.isAtEnd }
        }
        return exitStatus
    }

    /// Sends `signal`, waits up to `timeout`, then SIGKILLs; returns how the process ended.
    @discardableResult
    public func terminate(signal: Int32 = SIGTERM, timeout: Duration = .seconds(5)) async -> ExitStatus {
        if process.isRunning { kill(pid, signal) }
        if let status = await waitForExit(timeout: timeout) { return status }
        kill(pid, SIGKILL)
        return await waitForExit(timeout: .seconds(5)) ?? .signaled(SIGKILL)
    }
}
