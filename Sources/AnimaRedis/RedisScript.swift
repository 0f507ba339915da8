/// A Lua script run by its SHA-1 (`EVALSHA`), loaded with `EVAL` the first time a server has
/// not seen it (after a restart or `SCRIPT FLUSH`). Scripts run atomically on the server.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1Hex.of(source.utf8)
    }
}

extension RedisConnection {
    /// Runs `script` with `keys` and `arguments`. An error reply is thrown as ``RedisError/Code/server``.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [any RedisArgument]) throws(RedisError) -> RedisValue {
        let all: [any RedisArgument] = keys + arguments
        let reply = try pipeline([RedisCommand("EVALSHA", arguments: [script.sha1, keys.count] + all)])[0]
        if case .error(let message) = reply {
            if message.hasPrefix("NOSCRIPT") {
                return try send(RedisCommand("EVAL", arguments: [script.source, keys.count] + all))
            }
            throw RedisError.reply(message, to: "script \(script.sha1.prefix(8))")
        }
        return reply
    }
}
