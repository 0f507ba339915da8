#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#endif

/// The real `anima-ingress` binary, started on a free port (`PORT=0`) against a given Redis,
/// ready once it printed its `listening on HOST:PORT` line.
public final class IngressProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let defaultSecret = "whsec_ingress_test"

    public let process: ManagedProcess
    public let port: Int
    public let secrets: [String]
    public let http: HTTPTestClient

    /// - Parameters:
    ///   - redisURL: the `REDIS_URL` to use.
    ///   - secrets: joined with a space into `ANIMA_WEBHOOK_SECRET`.
    ///   - environment: more variables (`ANIMA_MAX_PENDING`, ...); they override the above.
    public init(
        redisURL: String,
        secrets: [String] = [IngressProcess.defaultSecret],
        environment extra: [String: String] = [:],
        timeout: Duration = .seconds(15)
    ) async throws {
        var environment = [
            "REDIS_URL": redisURL, "ANIMA_WEBHOOK_SECRET": secrets.joined(separator: " "), "PORT": "0",
            "ANIMA_LOG_LEVEL": "info",
        ]
        environment.merge(extra) { _, new in new }
        let process = try await ManagedProcess("anima-ingress", environment: environment)
        let output = try await process.waitForOutput(containing: "listening on", timeout: timeout)
        guard
            let line = output.split(separator: "\n").first(where: { $0.contains("listening on") }),
            let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingPrefix(" ")) })
        else {
            await process.terminate(signal: SIGKILL)
            throw Failure(description: "could not read the port from anima-ingress's output: \(output)")
        }
        self.process = process
        self.port = port
        self.secrets = secrets
        self.http = HTTPTestClient(port: port)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Headers of a request signed with `secret` (default: the first one) at `timestamp`
    /// (default: now).
    public func signedHeaders(
        for body: [UInt8],
        secret: String? = nil,
        timestamp: Int64 = TestSigning.now()
    ) -> [(String, String)] {
        TestSigning.headers(for: body, secret: secret ?? secrets[0], timestamp: timestamp)
    }

    /// POSTs `body` to `/webhooks/anima`, correctly signed, with `headers` besides.
    public func postSigned(_ body: [UInt8], headers: [(String, String)] = [], timeout: Duration = .seconds(10)) async throws -> HTTPAnswer {
        try await http.request("POST", "/webhooks/anima", headers: signedHeaders(for: body) + headers, body: body, timeout: timeout)
    }

    /// SIGTERM (or `signal`), bounded wait, then SIGKILL; how it ended.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> ManagedProcess.ExitStatus {
        await process.terminate(signal: signal, timeout: timeout)
    }
}
