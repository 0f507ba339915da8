public import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A throwaway `redis-server` for one test or suite: no persistence, a temp dir of its own, a
/// unix socket in it and a free TCP port on 127.0.0.1. Started by PID (Foundation `Process` on
/// the `redis-server` binary itself), stopped by PID, its temp dir removed on `deinit`.
///
/// ``stop()`` and ``start()`` again keep the port and socket path, for restart tests.
public final class RedisServer: Sendable {
    /// An ACL user created at start (`user NAME on >PASSWORD ~* &* +@all`).
    public struct User: Sendable {
        public let name: String
        public let password: String
        public init(name: String, password: String) {
            self.name = name
            self.password = password
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        var portInUse = false
    }

    public var port: Int { assignedPort.withLockedValue { $0 } }
    public let directory: URL
    /// `requirepass` (the default user's password), if any.
    public let password: String?
    public let user: User?
    /// The config file written into ``directory`` at init and given first on the command line
    /// (`redis-server FILE …`), when a configuration was given: a Sentinel rewrites its own.
    public let configFile: URL?
    /// More `redis-server` arguments, after the usual ones (`--replicaof HOST PORT`, `--sentinel`).
    public let arguments: [String]
    private let process = NIOLockedValueBox<Process?>(nil)
    private let lastStop = NIOLockedValueBox<Stop?>(nil)

    /// How the server ended at the last ``stop()``.
    public enum Stop: Sendable, Equatable {
        /// It honoured SIGTERM: saved what it had to and exited with this status.
        case exited(Int32)
        /// It ignored SIGTERM for 5 s and was killed.
        case killed
    }

    /// How the last ``stop()`` ended the server; nil before any.
    public var lastStopOutcome: Stop? { lastStop.withLockedValue { $0 } }
    private let assignedPort: NIOLockedValueBox<Int>

    /// Starts a server and waits (at most `timeout`) until it answers.
    ///
    /// - Parameters:
    ///   - configuration: the text of a config file to start from (written to ``configFile``);
    ///     the command-line options, which include the port, override it.
    ///   - arguments: more command-line arguments, after the usual ones.
    public init(
        password: String? = nil,
        user: User? = nil,
        configuration: String? = nil,
        arguments: [String] = [],
        timeout: Duration = TestTime.scaled(.seconds(30))
    ) async throws {
        self.assignedPort = NIOLockedValueBox(FreePort.find())
        self.password = password
        self.user = user
        self.arguments = arguments
        // Short: a unix socket path must fit in 108 bytes.
        let name = "anima-redis-" + UUID().uuidString.prefix(8)
        self.directory = URL(fileURLWithPath: "/tmp", isDirectory: true).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let configuration {
            let file = directory.appendingPathComponent("redis.conf")
            try Data(configuration.utf8).write(to: file)
            self.configFile = file
        } else {
            self.configFile = nil
        }
        // A free port can be taken by someone else (an ephemeral client port) before
        // redis-server binds it: then try another one.
        for _ in 1..<5 {
            do {
                try await start(timeout: timeout)
                return
            } catch let failure as Failure where failure.portInUse {
                assignedPort.withLockedValue { $0 = FreePort.find() }
            }
        }
        try await start(timeout: timeout)
    }

    deinit {
        if let process = process.withLockedValue({ $0 }), process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// `redis://127.0.0.1:PORT/0`, without credentials.
    public var url: String { "redis://127.0.0.1:\(port)/0" }
    /// The same URL with `db` as database.
    public func url(database: Int) -> String { "redis://127.0.0.1:\(port)/\(database)" }
    public var socketPath: String { directory.appendingPathComponent("redis.sock").path }
    /// `unix:///…/redis.sock`.
    public var unixURL: String { "unix://\(socketPath)" }
    public var pid: Int32? { process.withLockedValue { $0?.isRunning == true ? $0?.processIdentifier : nil } }
    public var isRunning: Bool { pid != nil }

    /// Starts the server (again, on the same port) and waits until it answers PING.
    public func start(timeout: Duration = TestTime.scaled(.seconds(30))) async throws {
        guard !isRunning else { return }
        var arguments =
            (configFile.map { [$0.path] } ?? []) + [
                "--port", String(port), "--bind", "127.0.0.1",
                "--unixsocket", socketPath, "--unixsocketperm", "700",
                "--dir", directory.path, "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", directory.appendingPathComponent("redis.log").path,
            ]
        if let password { arguments += ["--requirepass", password] }
        if let user { arguments += ["--user", user.name, "on", ">" + user.password, "~*", "&*", "+@all"] }
        arguments += self.arguments
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try await process.runWithDefaultSignalMask()
        self.process.withLockedValue { $0 = process }

        let socketPath = self.socketPath
        let answering = await eventually(timeout: timeout, interval: .milliseconds(10)) {
            guard process.isRunning else { return true }
            return (try? await runBlocking { try Self.answersPing(socketPath) }) ?? false
        }
        guard answering && process.isRunning else {
            await stop()
            let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
            let why = answering ? "exited at start" : "did not answer within \(timeout)"
            throw Failure(
                description: "redis-server on port \(port) \(why). Log:\n\(log)",
                portInUse: log.contains("Address already in use")
            )
        }
    }

    /// SIGTERM by PID, up to 5 s to exit, then SIGKILL. The port and data dir stay reserved.
    public func stop() async {
        guard let process = process.withLockedValue({ $0 }) else { return }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        var outcome = Stop.killed
        if await eventually(timeout: .seconds(5), interval: .milliseconds(10), { !process.isRunning }) {
            outcome = process.terminationReason == .exit ? .exited(process.terminationStatus) : .killed
        } else {
            kill(process.processIdentifier, SIGKILL)
            _ = await eventually(timeout: .seconds(5), interval: .milliseconds(10)) { !process.isRunning }
        }
        lastStop.withLockedValue { $0 = outcome }
        self.process.withLockedValue { $0 = nil }
    }

    /// Sends `signal` to the server by PID (SIGSTOP to freeze it, SIGCONT to let it go on,
    /// SIGKILL to crash it); nothing when it is not running.
    public func signal(_ signal: Int32) {
        if let pid { kill(pid, signal) }
    }

    /// Whether a server answers on the unix socket: `+PONG`, or `-NOAUTH` when it wants a password.
    static func answersPing(_ socketPath: String) throws -> Bool {
        let socket = try TestSocket(unixPath: socketPath, timeout: .milliseconds(500))
        try socket.send("PING\r\n")
        let reply = try socket.receive(until: .now + .milliseconds(500)) { $0.contains(UInt8(ascii: "\n")) }
        let text = String(decoding: reply, as: UTF8.self)
        return text.hasPrefix("+PONG") || text.hasPrefix("-NOAUTH")
    }

    static func binary() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Failure(description: "redis-server is not on PATH (apt-get install redis-server)")
    }
}
