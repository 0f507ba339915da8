public import NIOCore

/// One Redis command, already encoded in the wire format (RESP) so that it can be written to a
/// connection as it is, pipelined with others, and built off the connection's thread.
///
/// Arguments are binary-safe: a `ByteBuffer` or `[UInt8]` argument may hold any bytes.
public struct RedisCommand: Sendable {
    /// The command in RESP: `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument.
    public private(set) var encoded: ByteBuffer
    /// The command's name (first argument), for error messages.
    public let name: String
    /// For an `EVALSHA` built by ``RedisScript/call(keys:arguments:)``: the script and the
    /// arguments after its sha, so that a connection can load it on a server that does not
    /// know it yet, or send the call again as `EVAL`. Nil for every other command.
    var scriptCall: (script: RedisScript, arguments: [any RedisArgument])?

    public init(_ name: String, arguments: [any RedisArgument]) {
        self.name = name
        var buffer = ByteBuffer()
        let size = arguments.reduce(name.utf8.count + 32) { $0 + $1.byteCount + 16 }
        buffer.reserveCapacity(size)
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count + 1))
        buffer.writeStaticString("\r\n")
        Self.append(name, to: &buffer)
        for argument in arguments {
            Self.append(argument, to: &buffer)
        }
        self.encoded = buffer
    }

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments: arguments)
    }

    private static func append(_ argument: any RedisArgument, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("$")
        buffer.writeString(String(argument.byteCount))
        buffer.writeStaticString("\r\n")
        argument.write(into: &buffer)
        buffer.writeStaticString("\r\n")
    }
}

/// A value that can be a command argument.
public protocol RedisArgument: Sendable {
    var byteCount: Int { get }
    func write(into buffer: inout ByteBuffer)
}

extension String: RedisArgument {
    public var byteCount: Int { utf8.count }
    public func write(into buffer: inout ByteBuffer) { buffer.writeString(self) }
}

extension Substring: RedisArgument {
    public var byteCount: Int { utf8.count }
    public func write(into buffer: inout ByteBuffer) { buffer.writeSubstring(self) }
}

extension ByteBuffer: RedisArgument {
    public var byteCount: Int { readableBytes }
    public func write(into buffer: inout ByteBuffer) { buffer.writeImmutableBuffer(self) }
}

extension Array: RedisArgument where Element == UInt8 {
    public var byteCount: Int { count }
    public func write(into buffer: inout ByteBuffer) { buffer.writeBytes(self) }
}

extension Int: RedisArgument {
    public var byteCount: Int { String(self).utf8.count }
    public func write(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}
