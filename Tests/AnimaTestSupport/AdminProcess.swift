import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs the real `anima-admin` binary to completion.
public enum AdminProcess {
    /// How one run ended and what it printed.
    public struct Result: Sendable, CustomStringConvertible {
        /// nil when it had to be killed after the timeout.
        public let status: ManagedProcess.ExitStatus?
        public let standardOutput: String
        public let standardError: String

        public var succeeded: Bool { status == .exited(0) }
        /// Ended by itself with a non-zero exit status.
        public var failed: Bool {
            if case .exited(let code) = status { return code != 0 }
            return false
        }
        /// The non-empty lines of stderr.
        public var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
        public var outputLines: [String] { standardOutput.split(separator: "\n").map(String.init) }

        public var description: String {
            "\(status.map(\.description) ?? "timed out"); stdout: \(standardOutput); stderr: \(standardError)"
        }
    }

    /// Runs `anima-admin ARGUMENTS` with `environment` (plus `PATH`), bounded by `timeout`.
    public static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> Result {
        let process = try await ManagedProcess("anima-admin", arguments: arguments, environment: environment)
        let status = await process.waitForExit(timeout: timeout)
        if status == nil { await process.terminate(signal: SIGKILL) }
        return Result(status: status, standardOutput: process.standardOutput, standardError: process.standardError)
    }
}
