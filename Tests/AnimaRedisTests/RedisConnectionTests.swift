import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// Reaching Redis: auth, unix socket, database, reconnects, refusals and timeouts.
@Suite("Redis connections")
struct RedisConnectionTests {
    @Test func passwordAuthentication() async throws {
        let server = try await RedisServer(password: "p@ss word")
        try await withClient("redis://:p%40ss%20word@127.0.0.1:\(server.port)/0") { client in
            let reply = try await client.send(RedisCommand("PING"))
            #expect(reply == .status("PONG"), "saw \(reply)")
        }
    }

    @Test func userAndPasswordAuthentication() async throws {
        let server = try await RedisServer(password: "admin", user: .init(name: "alice", password: "wonder"))
        try await withClient("redis://alice:wonder@127.0.0.1:\(server.port)/0") { client in
            let whoami = try await client.send(RedisCommand("ACL", "WHOAMI"))
            #expect(whoami.string == "alice", "saw \(whoami)")
        }
    }

    @Test func wrongPasswordIsAuthenticationFailed() async throws {
        let server = try await RedisServer(password: "right")
        try await withClient("redis://:wrong@127.0.0.1:\(server.port)/0") { client in
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.code == .authenticationFailed, "expected .authenticationFailed, saw \(String(describing: error))")
            #expect(error?.description.contains("wrong") == false, "error shows the password: \(String(describing: error))")
        }
    }

    @Test func missingPasswordFailsTheCommand() async throws {
        let server = try await RedisServer(password: "right")
        try await withClient(server.url) { client in
            let code = await redisErrorCode { _ = try await client.send(RedisCommand("SET", "k", "v")) }
            #expect(code == .server, "expected a NOAUTH error reply (.server), saw \(String(describing: code))")
        }
    }

    @Test func unixSocket() async throws {
        let server = try await RedisServer()
        try await withClient(server.unixURL) { client in
            let key = uniqueKey()
            _ = try await client.send(RedisCommand("SET", key, "over the socket"))
            let value = try await client.send(RedisCommand("GET", key))
            #expect(value.string == "over the socket", "saw \(value)")
        }
    }

    @Test func unixSocketWithDatabase() async throws {
        let server = try await RedisServer()
        let key = uniqueKey()
        try await withClient(server.unixURL + "?db=5") { client in
            _ = try await client.send(RedisCommand("SET", key, "five"))
        }
        try await withClient(server.url(database: 5)) { client in
            let value = try await client.send(RedisCommand("GET", key))
            #expect(value.string == "five", "saw \(value)")
        }
    }

    @Test func databaseIndexIsSelected() async throws {
        let server = try await RedisServer()
        let key = uniqueKey()
        try await withClient(server.url(database: 3)) { client in
            _ = try await client.send(RedisCommand("SET", key, "in three"))
        }
        try await withClient(server.url(database: 0)) { client in
            let inZero = try await client.send(RedisCommand("GET", key))
            #expect(inZero == .null, "db 0 sees the key of db 3: \(inZero)")
        }
        try await withClient(server.url(database: 3)) { client in
            let inThree = try await client.send(RedisCommand("GET", key))
            #expect(inThree.string == "in three", "saw \(inThree)")
        }
    }

    @Test func reconnectsByItselfAfterTheServerRestarts() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            #expect(try await client.send(RedisCommand("PING")) == .status("PONG"))
            await server.stop()
            try await server.start()
            // The first command may find the old connection broken; a later one must succeed.
            var codes: [RedisError.Code] = []
            let recovered = await eventually(timeout: .seconds(5), interval: .milliseconds(50)) {
                do {
                    return try await client.send(RedisCommand("PING")) == .status("PONG")
                } catch {
                    codes.append((error as? RedisError)?.code ?? .unexpectedReply)
                    return false
                }
            }
            #expect(recovered, "never answered after the restart; errors: \(codes)")
            #expect(codes.allSatisfy { $0 == .connectionLost || $0 == .connectionRefused }, "unexpected errors: \(codes)")
            #expect(codes.count <= 1, "expected at most one failed command after the restart, saw \(codes)")
        }
    }

    @Test func commandWhileServerIsDownThrowsAConnectionProblem() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            _ = try await client.send(RedisCommand("PING"))
            await server.stop()
            var codes: [RedisError.Code] = []
            for _ in 0..<2 {
                if let code = await redisErrorCode({ _ = try await client.send(RedisCommand("PING")) }) { codes.append(code) }
            }
            #expect(codes.count == 2, "expected two failures, saw \(codes)")
            #expect(codes.last == .connectionRefused, "second command: expected .connectionRefused, saw \(codes)")
        }
    }

    @Test func nothingListeningIsConnectionRefused() async throws {
        let port = FreePort.find()
        try await withClient("redis://127.0.0.1:\(port)/0") { client in
            let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
            #expect(error?.code == .connectionRefused, "expected .connectionRefused, saw \(String(describing: error))")
            #expect(error?.isConnectionProblem == true)
        }
    }

    @Test func missingUnixSocketIsAConnectFailure() async throws {
        try await withClient("unix:///tmp/anima-no-such-\(UUID().uuidString.prefix(8)).sock") { client in
            let code = await redisErrorCode { _ = try await client.send(RedisCommand("PING")) }
            #expect(code == .connectFailed || code == .connectionRefused, "saw \(String(describing: code))")
        }
    }

    @Test func serverThatNeverAnswersTimesOutNamingTheCommandTimeoutEachTime() async throws {
        let silent = SilentListener()
        defer { silent.close() }
        let limit = Duration.milliseconds(300)
        let expected = "did not answer within \(limit)"
        try await withClient("redis://127.0.0.1:\(silent.port)/0", commandTimeout: limit) { client in
            // Twice: the unanswered first command must leave the client able to send (and time
            // out on) the next one, not wedged on a reply that never comes.
            for command in ["first", "second"] {
                let error = await redisError { _ = try await client.send(RedisCommand("ECHO", command)) }
                #expect(error?.code == .timeout, "\(command) command: expected .timeout, saw \(String(describing: error))")
                #expect(
                    error?.message.contains(expected) == true,
                    "\(command) command: expected the message to say '\(expected)', saw \(String(describing: error))"
                )
            }
        }
    }

    @Test func busyServerTimesOutNamingTheCommandTimeoutAndTheConnectionRecovers() async throws {
        let server = try await RedisServer()
        let limit = Duration.milliseconds(300)
        var settings = try RedisConfiguration(url: server.url)
        settings.commandTimeout = limit
        let configuration = settings
        let port = server.port
        // All on one thread of its own: with the whole suite running, the test's tasks can wait
        // seconds for a thread of the cooperative pool, longer than the script keeps Redis busy.
        let outcome = try await runBlocking { () throws -> (error: RedisError?, probes: Int, recovered: RedisValue?) in
            let connection = RedisConnection(configuration: configuration)
            defer { connection.close() }
            _ = try connection.send(RedisCommand("PING"))
            // Keep the server busy for 2 s from a raw connection of its own.
            let script = "local t = redis.call('TIME')[1] + 0 while redis.call('TIME')[1] + 0 < t + 2 do end return 1"
            let blocker = try TestSocket(port: port, timeout: .seconds(5))
            defer { blocker.close() }
            try blocker.send("*3\r\n$4\r\nEVAL\r\n$\(script.utf8.count)\r\n\(script)\r\n$1\r\n0\r\n")
            // PING answers at once until the script runs (however long a loaded machine takes to
            // get there); then it must time out. The bound only keeps a broken test from hanging.
            var timedOut: RedisError?
            var probes = 0
            let giveUp = ContinuousClock.now + TestTime.scaled(.seconds(60))
            repeat {
                probes += 1
                do throws(RedisError) {
                    _ = try connection.send(RedisCommand("PING"))
                } catch {
                    if error.code == .timeout {
                        timedOut = error
                        break
                    }
                }
                Thread.sleep(forTimeInterval: 0.01)
            } while ContinuousClock.now < giveUp
            // Once the script is over (its reply arrived), the connection must work again and
            // answer this command, not hand back the late reply of the PING that timed out.
            _ = try? blocker.receive(until: .now + TestTime.scaled(.seconds(60))) { $0.contains(UInt8(ascii: "\n")) }
            return (timedOut, probes, try? connection.send(RedisCommand("ECHO", "after the timeout")))
        }
        let expected = "did not answer within \(limit)"
        #expect(
            outcome.error?.code == .timeout,
            "expected .timeout while a 2 s script runs, saw none in \(outcome.probes) PINGs"
        )
        #expect(
            outcome.error?.message.contains(expected) == true,
            "expected the message to say '\(expected)', saw \(String(describing: outcome.error))"
        )
        #expect(
            outcome.recovered?.string == "after the timeout",
            "expected ECHO to answer 'after the timeout' once the script ended, saw \(String(describing: outcome.recovered))"
        )
    }

    @Test func blockingConnectionWorksOnAThreadOfItsOwn() async throws {
        let server = try await RedisServer()
        let url = server.url
        let reply = try await runBlocking { () throws -> RedisValue in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: url))
            defer { connection.close() }
            try connection.connect()
            return try connection.send(RedisCommand("ECHO", "hello"))
        }
        #expect(reply.string == "hello", "saw \(reply)")
    }
}
