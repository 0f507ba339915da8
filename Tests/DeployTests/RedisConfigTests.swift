import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// `deploy/redis/redis.conf` as a real `redis-server` reads it. Only what suits a test run is
/// overridden on the command line after the conf path (port, data dir, bind, log), and the
/// conf's include of /etc/redis/anima-auth.conf points at a temp copy of the example file.
@Suite("Deploy: redis.conf")
struct RedisConfigTests {
    static let includeLine = "include /etc/redis/anima-auth.conf"
    static let password = "deploy-test-password"

    /// A redis-server on the deploy conf for one test; stopped by PID afterwards.
    final class ConfiguredRedis {
        let directory: URL
        let port: Int
        let process: Process

        init() async throws {
            directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("anima-conf-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let conf = try DeployFiles.text("deploy/redis/redis.conf")
            let auth = try DeployFiles.text("deploy/redis/anima-auth.conf.example")
                .replacingOccurrences(of: "requirepass change-me", with: "requirepass \(RedisConfigTests.password)")
            let authPath = directory.appendingPathComponent("anima-auth.conf").path
            try auth.write(toFile: authPath, atomically: true, encoding: .utf8)
            let confPath = directory.appendingPathComponent("redis.conf").path
            try conf.replacingOccurrences(of: RedisConfigTests.includeLine, with: "include \(authPath)")
                .write(toFile: confPath, atomically: true, encoding: .utf8)
            let started = try await RedisConfigTests.launch(
                [confPath],
                in: directory,
                what: "redis-server with deploy/redis/redis.conf"
            )
            port = started.port
            process = started.process
        }

        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: directory)
        }

        /// Sends inline commands on one connection; returns the raw replies once `lines`
        /// reply lines have arrived (or 2 s passed).
        func ask(_ commands: [String], lines: Int) throws -> String {
            let socket = try TestSocket(port: port)
            defer { socket.close() }
            try socket.send(commands.map { $0 + "\r\n" }.joined())
            let reply = try socket.receive(until: .now + .seconds(2)) { bytes in
                bytes.split(separator: UInt8(ascii: "\n")).count >= lines
            }
            return String(decoding: reply, as: UTF8.self)
        }

        /// `CONFIG GET name` after AUTH with the password; the value, or the raw reply.
        func config(_ name: String) throws -> String {
            // +OK, then *2 $len name $len value: six lines.
            let reply = try ask(["AUTH \(RedisConfigTests.password)", "CONFIG GET \(name)"], lines: 6)
            let lines = reply.split(separator: "\r\n").map(String.init)
            return lines.count == 6 && lines[0] == "+OK" ? lines[5] : reply
        }
    }

    /// Starts `redis-server` with `arguments` (a conf path first) followed by what suits a test
    /// run (a free port, `directory` as dir and for the log, bind 127.0.0.1), and waits at most
    /// 10 s until it accepts connections. `what` names the server in the error. Stop the
    /// process by PID.
    static func launch(_ arguments: [String], in directory: URL, what: String) async throws -> (port: Int, process: Process) {
        // A free port can be taken by a parallel test before redis-server binds it: try another.
        var attempt = 0
        while true {
            attempt += 1
            let candidate = FreePort.find()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments =
                ["redis-server"] + arguments + [
                    "--port", String(candidate), "--dir", directory.path, "--bind", "127.0.0.1",
                    "--logfile", directory.appendingPathComponent("redis.log").path,
                ]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try await process.runWithDefaultSignalMask()
            let up = await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
                (try? TestSocket(port: candidate, timeout: .milliseconds(200))) != nil || !process.isRunning
            }
            if up, process.isRunning { return (candidate, process) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            let logURL = directory.appendingPathComponent("redis.log")
            let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if log.contains("Address already in use"), attempt < 5 {
                try? FileManager.default.removeItem(at: logURL)
                continue
            }
            try? FileManager.default.removeItem(at: directory)
            throw DeployFailure("\(what) did not start. Log:\n\(log)")
        }
    }

    @Test func confIncludesTheAuthFileAtTheDocumentedPath() throws {
        let conf = try DeployFiles.text("deploy/redis/redis.conf")
        let includes = conf.split(separator: "\n").filter { $0.hasPrefix("include ") }
        #expect(includes == [Substring(Self.includeLine)], "expected exactly '\(Self.includeLine)', saw \(includes)")
    }

    /// Replicas log in to their master with masterauth; on every data node it is the requirepass.
    @Test func authExampleSetsMasterauthToThePassword() throws {
        let lines = try DeployFiles.text("deploy/redis/anima-auth.conf.example").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(
            lines == ["requirepass change-me", "masterauth change-me"],
            "expected requirepass and masterauth with the same placeholder, saw \(lines)"
        )
    }

    @Test(arguments: [
        ("maxmemory-policy", "noeviction"), ("appendonly", "yes"), ("appendfsync", "everysec"), ("protected-mode", "yes"),
        ("replica-priority", "100"),
    ])
    func serverRunsWithTheSetting(name: String, expected: String) async throws {
        let redis = try await ConfiguredRedis()
        defer { redis.stop() }
        let value = try redis.config(name)
        #expect(value == expected, "CONFIG GET \(name): expected \(expected), saw \(value.debugDescription)")
    }

    @Test func thePasswordFromTheIncludeFileIsRequired() async throws {
        let redis = try await ConfiguredRedis()
        defer { redis.stop() }
        let anonymous = try redis.ask(["PING"], lines: 1)
        #expect(anonymous.hasPrefix("-NOAUTH"), "PING without AUTH: expected -NOAUTH, saw \(anonymous.debugDescription)")
        let wrong = try redis.ask(["AUTH not-the-password"], lines: 1)
        #expect(wrong.hasPrefix("-WRONGPASS"), "AUTH with a wrong password: expected -WRONGPASS, saw \(wrong.debugDescription)")
        let authenticated = try redis.ask(["AUTH \(Self.password)", "PING"], lines: 2)
        #expect(authenticated == "+OK\r\n+PONG\r\n", "AUTH then PING: expected +OK +PONG, saw \(authenticated.debugDescription)")
    }
}
