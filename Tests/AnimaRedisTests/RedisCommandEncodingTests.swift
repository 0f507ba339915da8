import AnimaRedis
import AnimaTestSupport
import NIOCore
import Testing

/// The RESP bytes of a command, and a script call that a server without the script runs anyway.
@Suite("Redis command encoding")
struct RedisCommandEncodingTests {
    @Test func integersAndBytesAreBulkStringsOfTheirDecimalDigits() {
        let command = RedisCommand("SET", "k", 0, -7, 1_234_567_890, [UInt8]([0, 13, 10]), "")
        let expected = "*7\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n0\r\n$2\r\n-7\r\n$10\r\n1234567890\r\n$3\r\n\u{0}\r\n\r\n$0\r\n\r\n"
        let seen = String(buffer: command.encoded)
        #expect(seen == expected, "expected \(expected.debugDescription), saw \(seen.debugDescription)")
    }

    @Test func scriptCallIsEvalshaWithTheKeyCountBeforeTheKeys() {
        let script = RedisScript("return 1")
        let command = script.call(keys: ["a"], arguments: [42])
        let expected = "*5\r\n$7\r\nEVALSHA\r\n$40\r\n\(script.sha1)\r\n$1\r\n1\r\n$1\r\na\r\n$2\r\n42\r\n"
        let seen = String(buffer: command.encoded)
        #expect(seen == expected, "expected \(expected.debugDescription), saw \(seen.debugDescription)")
    }

    @Test func aScriptIsNamedAsRedisNamesIt() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let script = RedisScript("return 'named'")
            let loaded = try await client.send(RedisCommand("SCRIPT", "LOAD", script.source)).string
            #expect(loaded == script.sha1, "expected Redis's name \(loaded ?? "none"), saw \(script.sha1)")
            #expect(SHA1Hex.of(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d", "saw \(SHA1Hex.of(Array("abc".utf8)))")
        }
    }

    @Test func scriptFlushedUnderALiveConnectionRunsAgainAsEvalWithTheSameArguments() async throws {
        let server = try await RedisServer()
        try await withClient(server.url) { client in
            let script = RedisScript("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}")
            let arguments: [any RedisArgument] = [-12, "two words", ByteBuffer(bytes: [0xFF, 0x00, 0x0D, 0x0A])]
            let before = try await client.evaluate(script, keys: ["k1", "k2"], arguments: arguments)
            _ = try await client.send(RedisCommand("SCRIPT", "FLUSH"))
            let after = try await client.evaluate(script, keys: ["k1", "k2"], arguments: arguments)
            let expected: [String?] = ["k1", "k2", "-12", "two words"]
            let seen = (before.array ?? []).prefix(4).map(\.string)
            #expect(seen == expected, "expected \(expected), saw \(before)")
            #expect(before == after, "expected the EVAL run to answer as the EVALSHA run, saw \(before) then \(after)")
            #expect(after.array?.last?.bytes.map { Array($0.readableBytesView) } == [0xFF, 0x00, 0x0D, 0x0A], "saw \(after)")
        }
    }
}
