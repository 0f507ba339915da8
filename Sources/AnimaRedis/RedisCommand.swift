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
    /// For an `EVALSHA` built by ``RedisScript/call(keys:arguments:)``: the script, and where in
    /// ``encoded`` the arguments after its sha start and how many they are, so that a connection
    /// can load it on a server that does not know it yet, or send the call again as `EVAL`. Nil
    /// for every other command.
    var scriptCall: (script: RedisScript, restOffset: Int, restCount: Int)?

    public init(_ name: String, arguments: [any RedisArgument]) {
        self.init(name, count: arguments.count, size: arguments.reduce(0) { $0 + $1.byteCount }) { buffer in
            for argument in arguments { Self.append(argument, to: &buffer) }
        }
    }

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments: arguments)
    }

    /// A command of `count` arguments (after the name), about `size` bytes of them, that `write`
    /// appends with ``append(_:to:)``.
    init(_ name: String, count: Int, size: Int, _ write: (inout ByteBuffer) -> Void) {
        self.name = name
        var buffer = ByteBuffer()
        buffer.reserveCapacity(name.utf8.count + size + 16 * (count + 2))
        buffer.writeInteger(UInt8(ascii: "*"))
        Self.writeDecimal(count + 1, to: &buffer)
        buffer.writeInteger(Self.crlf)
        Self.append(name, to: &buffer)
        write(&buffer)
        self.encoded = buffer
    }

    /// Appends arguments already in RESP (counted in the header when the command was made).
    mutating func append(encoded arguments: ByteBuffer) {
        encoded.writeImmutableBuffer(arguments)
    }

    /// `\r\n` as one big-endian integer: cheaper to write than a string.
    @usableFromInline static let crlf = UInt16(0x0D0A)

    /// Appends one argument as a RESP bulk string. The header (`$<len>\r\n`) goes in with one
    /// write: three writes per header were a visible share of building a batch's settle.
    @inlinable
    static func append(_ argument: some RedisArgument, to buffer: inout ByteBuffer) {
        let count = argument.byteCount
        let digits = decimalDigits(UInt(count))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits + 3) { bytes in
            bytes[0] = UInt8(ascii: "$")
            putDigits(UInt(count), endingAt: digits, in: bytes)
            bytes[digits + 1] = 0x0D
            bytes[digits + 2] = 0x0A
            return digits + 3
        }
        argument.write(into: &buffer)
        buffer.writeInteger(crlf)
    }

    /// The decimal digits of `value`, written in place (no String built).
    static func writeDecimal(_ value: Int, to buffer: inout ByteBuffer) {
        let count = decimalDigits(value.magnitude) + (value < 0 ? 1 : 0)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            if value < 0 { bytes[0] = UInt8(ascii: "-") }
            putDigits(value.magnitude, endingAt: count - 1, in: bytes)
            return count
        }
    }

    /// Writes the decimal digits of `magnitude` so that the last one lands at `last`.
    @usableFromInline
    static func putDigits(_ magnitude: UInt, endingAt last: Int, in bytes: UnsafeMutableRawBufferPointer) {
        var rest = magnitude
        var offset = last
        repeat {
            bytes[offset] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            offset -= 1
        } while rest > 0
    }

    @usableFromInline
    static func decimalDigits(_ magnitude: UInt) -> Int {
        var count = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
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
    public var byteCount: Int { RedisCommand.decimalDigits(magnitude) + (self < 0 ? 1 : 0) }
    public func write(into buffer: inout ByteBuffer) { RedisCommand.writeDecimal(self, to: &buffer) }
}
