public import NIOCore

/// One reply from Redis (RESP2, as hiredis 0.14 speaks it).
public enum RedisValue: Sendable, Hashable {
    /// A bulk string: any bytes.
    case bulkString(ByteBuffer)
    /// A simple status reply such as `OK` or `PONG`.
    case status(String)
    case integer(Int)
    case array([RedisValue])
    /// The nil reply (missing key, timed-out blocking pop).
    case null
    /// An error reply. ``RedisConnection/send(_:)`` throws these as ``RedisError/Code/server``;
    /// ``RedisConnection/pipeline(_:)`` returns them in place so one failing command does not hide
    /// the others' replies.
    case error(String)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The bytes of a bulk string or status reply.
    public var bytes: ByteBuffer? {
        switch self {
        case .bulkString(let buffer): buffer
        case .status(let text): ByteBuffer(string: text)
        default: nil
        }
    }

    /// A bulk string or status reply as UTF-8 text.
    public var string: String? {
        switch self {
        case .bulkString(let buffer): String(buffer: buffer)
        case .status(let text): text
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding decimal digits.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulkString(let buffer): Int(String(buffer: buffer))
        default: nil
        }
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

extension Array where Element == RedisValue {
    /// The replies of a pipeline, or the error of its first error reply (a `LOADING` Redis that
    /// restarts answers every read with one: read as empty, it would look like no data at all).
    public func checked(_ what: String) throws(RedisError) -> [RedisValue] {
        for reply in self {
            if case .error(let message) = reply { throw RedisError.reply(message, to: what) }
        }
        return self
    }
}
