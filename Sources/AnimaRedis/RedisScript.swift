import NIOCore

/// A Lua script, run by its SHA-1 (`EVALSHA`). Scripts run atomically on the server.
///
/// The one place that copes with a server that does not know a script is the connection: it
/// sends `SCRIPT LOAD` in front of the first call of each script after every (re)connect, in the
/// same round trip, and answers a `NOSCRIPT` (an operator's `SCRIPT FLUSH`) by running the call
/// once more as `EVAL`. Callers just send ``call(keys:arguments:)`` or use
/// ``RedisClient/evaluate(_:keys:arguments:)``.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1Hex.of(source.utf8)
    }

    /// `EVALSHA` of this script with `keys` and `arguments` (then `encoded`'s), to send or to
    /// pipeline with others.
    public func call(keys: [String], arguments: [any RedisArgument], encoded: EncodedArguments? = nil) -> RedisCommand {
        let size = keys.reduce(0) { $0 + $1.utf8.count } + arguments.reduce(0) { $0 + $1.byteCount } + (encoded?.buffer.readableBytes ?? 0)
        let count = keys.count + arguments.count + (encoded?.count ?? 0)
        var restOffset = 0
        var command = RedisCommand("EVALSHA", count: 2 + count, size: 48 + size) { buffer in
            RedisCommand.append(sha1, to: &buffer)
            restOffset = buffer.writerIndex
            RedisCommand.append(keys.count, to: &buffer)
            for key in keys { RedisCommand.append(key, to: &buffer) }
            for argument in arguments { RedisCommand.append(argument, to: &buffer) }
            if let encoded { buffer.writeImmutableBuffer(encoded.buffer) }
        }
        command.scriptCall = (self, restOffset, 1 + count)
        return command
    }

    /// `SCRIPT LOAD` of this script.
    var load: RedisCommand { RedisCommand("SCRIPT", "LOAD", source) }

    /// `call` again as `EVAL`, which loads the script as it runs it: the same arguments, with
    /// the source in place of the sha.
    static func eval(_ call: RedisCommand) -> RedisCommand? {
        guard let (script, restOffset, restCount) = call.scriptCall,
            let rest = call.encoded.getSlice(at: restOffset, length: call.encoded.writerIndex - restOffset)
        else { return nil }
        var eval = RedisCommand("EVAL", count: 1 + restCount, size: script.source.utf8.count + rest.readableBytes) { buffer in
            RedisCommand.append(script.source, to: &buffer)
        }
        eval.append(encoded: rest)
        return eval
    }

    static func isNoScript(_ reply: RedisValue) -> Bool {
        if case .error(let message) = reply { return message.hasPrefix("NOSCRIPT") }
        return false
    }
}

extension RedisConnection {
    /// Runs `script` with `keys` and `arguments`. An error reply is thrown as ``RedisError/Code/server``.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [any RedisArgument]) throws(RedisError) -> RedisValue {
        try send(script.call(keys: keys, arguments: arguments))
    }
}

extension RedisClient {
    /// Runs `script` with `keys` and `arguments`, pipelined with the commands of other concurrent
    /// callers. An error reply is thrown as ``RedisError/Code/server``.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [any RedisArgument]) async throws(RedisError) -> RedisValue {
        try await send(script.call(keys: keys, arguments: arguments))
    }
}
