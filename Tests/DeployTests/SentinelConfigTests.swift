import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// `deploy/redis/sentinel.conf` as a real Sentinel reads it (`redis-server FILE --sentinel`),
/// watching a throwaway master that requires a password. The copy differs from the deploy file
/// only in the master's address and the auth-pass; the port, dir, bind and log that suit a
/// test run are overridden on the command line, as for redis.conf.
@Suite("Deploy: sentinel.conf")
struct SentinelConfigTests {
    static let path = "deploy/redis/sentinel.conf"
    static let password = "deploy-test-password"

    /// `conf` with its one line starting with `prefix` replaced by `replacement`.
    static func replacingLine(startingWith prefix: String, with replacement: String, in conf: String) throws -> String {
        let lines = conf.split(separator: "\n", omittingEmptySubsequences: false)
        let matching = lines.filter { $0.hasPrefix(prefix) }
        guard matching.count == 1 else {
            throw DeployFailure("\(path): expected one line starting with '\(prefix)', saw \(matching)")
        }
        return lines.map { $0.hasPrefix(prefix) ? replacement : String($0) }.joined(separator: "\n")
    }

    /// Whether `bytes` hold a whole reply: one line, or for an array of N bulk strings (`*N`),
    /// 1 + 2N lines.
    static func isWholeReply(_ bytes: [UInt8]) -> Bool {
        let lines = Array(String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").dropLast())
        guard let first = lines.first else { return false }
        guard first.hasPrefix("*"), let count = Int(first.dropFirst()), count > 0 else { return true }
        return lines.count >= 1 + 2 * count
    }

    /// The values of a reply: for an array of bulk strings the strings, else its one line.
    static func elements(of reply: String) -> [String] {
        let lines = Array(reply.components(separatedBy: "\r\n").dropLast())
        guard let first = lines.first, first.hasPrefix("*") else { return lines }
        return stride(from: 2, to: lines.count, by: 2).map { lines[$0] }
    }

    /// A Sentinel on a copy of the deploy conf (Sentinel rewrites its file) that watches the
    /// master on 127.0.0.1:`masterPort`; stopped by PID afterwards.
    final class ConfiguredSentinel {
        let directory: URL
        let port: Int
        let process: Process

        init(masterPort: Int) async throws {
            directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("anima-sentinel-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var conf = try DeployFiles.text(SentinelConfigTests.path)
            conf = try SentinelConfigTests.replacingLine(
                startingWith: "sentinel monitor anima ",
                with: "sentinel monitor anima 127.0.0.1 \(masterPort) 2",
                in: conf
            )
            conf = try SentinelConfigTests.replacingLine(
                startingWith: "sentinel auth-pass anima ",
                with: "sentinel auth-pass anima \(SentinelConfigTests.password)",
                in: conf
            )
            let confPath = directory.appendingPathComponent("sentinel.conf").path
            try conf.write(toFile: confPath, atomically: true, encoding: .utf8)
            let started = try await RedisConfigTests.launch(
                [confPath, "--sentinel"],
                in: directory,
                what: "redis-server --sentinel with \(SentinelConfigTests.path)"
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

        /// Sends one inline command; the elements of the reply once it is whole (or 2 s passed).
        func ask(_ command: String) throws -> [String] {
            let socket = try TestSocket(port: port)
            defer { socket.close() }
            try socket.send(command + "\r\n")
            let reply = try socket.receive(until: .now + .seconds(2)) { SentinelConfigTests.isWholeReply($0) }
            return SentinelConfigTests.elements(of: String(decoding: reply, as: UTF8.self))
        }

        /// `SENTINEL MASTER anima` as field → value.
        func master() throws -> [String: String] {
            let values = try ask("SENTINEL MASTER anima")
            var fields: [String: String] = [:]
            for index in stride(from: 0, to: values.count - 1, by: 2) { fields[values[index]] = values[index + 1] }
            return fields
        }
    }

    @Test func sentinelNamesTheMonitoredMaster() async throws {
        let master = try await RedisServer(password: Self.password)
        let sentinel = try await ConfiguredSentinel(masterPort: master.port)
        defer { sentinel.stop() }
        let address = try sentinel.ask("SENTINEL GET-MASTER-ADDR-BY-NAME anima")
        #expect(
            address == ["127.0.0.1", String(master.port)],
            "SENTINEL GET-MASTER-ADDR-BY-NAME anima: expected [127.0.0.1, \(master.port)], saw \(address)"
        )
        await master.stop()
    }

    @Test func sentinelRunsWithTheDocumentedTimings() async throws {
        let master = try await RedisServer(password: Self.password)
        let sentinel = try await ConfiguredSentinel(masterPort: master.port)
        defer { sentinel.stop() }
        let fields = try sentinel.master()
        for (name, expected) in [
            ("quorum", "2"), ("down-after-milliseconds", "5000"), ("failover-timeout", "60000"), ("parallel-syncs", "1"),
        ] {
            #expect(
                fields[name] == expected,
                "SENTINEL MASTER anima \(name): expected \(expected), saw \(String(describing: fields[name]))"
            )
        }
        await master.stop()
    }

    /// The master's run id reaches Sentinel only through INFO, which the master answers only
    /// after AUTH with the auth-pass.
    @Test func sentinelLogsInToTheMasterWithTheAuthPass() async throws {
        let master = try await RedisServer(password: Self.password)
        let sentinel = try await ConfiguredSentinel(masterPort: master.port)
        defer { sentinel.stop() }
        let loggedIn = await eventually(timeout: .seconds(5)) {
            (try? sentinel.master())?["runid"]?.isEmpty == false
        }
        let fields = try? sentinel.master()
        #expect(loggedIn, "SENTINEL MASTER anima: expected the master's runid within 5 s, saw \(String(describing: fields))")
        await master.stop()
    }
}
