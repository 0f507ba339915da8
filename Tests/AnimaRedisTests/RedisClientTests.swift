import AnimaRedis
import AnimaTestSupport
import Foundation
import NIOCore
import Testing

/// Commands, replies and pipelining against a real `redis-server` of this suite's own.
@Suite("RedisClient against a real server")
struct RedisClientTests {
    @Test func everyByteValueRoundTripsThroughSetAndGet() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key = uniqueKey()
            let bytes: [UInt8] = Array(0...255) + Array(0...255).reversed() + [0, 13, 10, 0]
            _ = try await client.send(RedisCommand("SET", key, bytes))
            let value = try await client.send(RedisCommand("GET", key))
            #expect(value == .bulkString(ByteBuffer(bytes: bytes)), "expected \(bytes.count) bytes back, saw \(value)")
        }
    }

    @Test func binaryKeysAndValuesAreNotTruncatedAtZero() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key: [UInt8] = Array("bin\0key\(UUID())".utf8)
            _ = try await client.send(RedisCommand("SET", key, [0, 0, 0] as [UInt8]))
            let length = try await client.send(RedisCommand("STRLEN", key))
            #expect(length == .integer(3), "saw \(length)")
        }
    }

    @Test func pipelineReturnsManyRepliesInOrder() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key = uniqueKey()
            let commands = (1...500).map { RedisCommand("RPUSH", key, "v\($0)") }
            let replies = try await client.pipeline(commands)
            #expect(replies == (1...500).map { RedisValue.integer($0) }, "first replies: \(replies.prefix(5))")
            let range = try await client.send(RedisCommand("LRANGE", key, 0, -1))
            #expect(range.array?.compactMap(\.string) == (1...500).map { "v\($0)" })
        }
    }

    @Test func pipelineReturnsAnErrorReplyInPlace() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key = uniqueKey()
            let replies = try await client.pipeline([
                RedisCommand("SET", key, "text"),
                RedisCommand("INCR", key),  // not an integer: error reply
                RedisCommand("GET", key),
            ])
            #expect(replies.count == 3, "saw \(replies)")
            #expect(replies.first == .status("OK"), "saw \(replies)")
            guard replies.count == 3, case .error(let message) = replies[1] else {
                Issue.record("expected an error reply in the middle, saw \(replies)")
                return
            }
            #expect(message.contains("not an integer"), "saw \(message)")
            #expect(replies[2].string == "text", "saw \(replies[2])")
        }
    }

    @Test func emptyPipelineAnswersNothing() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let replies = try await client.pipeline([])
            #expect(replies.isEmpty)
        }
    }

    @Test func repliesOfEveryKind() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key = uniqueKey()
            let list = uniqueKey("list")
            #expect(try await client.send(RedisCommand("PING")) == .status("PONG"))
            #expect(try await client.send(RedisCommand("INCRBY", key, 41)) == .integer(41))
            #expect(try await client.send(RedisCommand("GET", uniqueKey("missing"))) == .null)
            _ = try await client.send(RedisCommand("RPUSH", list, "a", "b"))
            let array = try await client.send(RedisCommand("LRANGE", list, 0, -1))
            #expect(array.array?.compactMap(\.string) == ["a", "b"], "saw \(array)")
            let empty = try await client.send(RedisCommand("LRANGE", uniqueKey("none"), 0, -1))
            #expect(empty == .array([]), "saw \(empty)")
            let error = try await client.pipeline([RedisCommand("NOSUCHCOMMAND")])[0]
            guard case .error(let text) = error else {
                Issue.record("expected an error reply, saw \(error)")
                return
            }
            #expect(text.contains("unknown command"), "saw \(text)")
        }
    }

    @Test func sendThrowsServerErrorWithTheServersText() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let error = await redisError { _ = try await client.send(RedisCommand("NOSUCHCOMMAND", "x")) }
            #expect(error?.code == .server, "expected .server, saw \(String(describing: error))")
            #expect(error?.message.contains("unknown command") == true, "message: \(String(describing: error?.message))")
            // The connection stays usable after an error reply.
            let pong = try await client.send(RedisCommand("PING"))
            #expect(pong == .status("PONG"), "after an error reply: \(pong)")
        }
    }

    @Test func manyTasksShareOneClient() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key = uniqueKey()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<50 {
                    group.addTask {
                        for step in 0..<20 {
                            let field = "\(task)-\(step)"
                            _ = try await client.send(RedisCommand("HSET", key, field, field))
                            let back = try await client.send(RedisCommand("HGET", key, field))
                            #expect(back.string == field, "task \(task) read \(back) for \(field)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await client.send(RedisCommand("HLEN", key))
            #expect(count == .integer(1000), "expected 1000 fields, saw \(count)")
        }
    }

    @Test func withConnectionRunsSeveralCommandsInARow() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let key = uniqueKey()
            let value = try await client.withConnection { connection throws(RedisError) in
                _ = try connection.send(RedisCommand("SET", key, "1"))
                _ = try connection.send(RedisCommand("INCR", key))
                return try connection.send(RedisCommand("GET", key)).int
            }
            #expect(value == 2, "saw \(String(describing: value))")
        }
    }

    @Test func commandsAfterShutdownThrowClosed() async throws {
        let server = try await RedisServer()
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url))
        _ = try await client.send(RedisCommand("PING"))
        await client.shutdown()
        let code = await redisErrorCode { _ = try await client.send(RedisCommand("PING")) }
        #expect(code == .closed, "expected .closed, saw \(String(describing: code))")
    }
}
