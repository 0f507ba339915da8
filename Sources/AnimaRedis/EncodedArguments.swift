public import NIOCore

/// Command arguments already in RESP, appended one by one without boxing each in an
/// existential: for a command that passes thousands of small ones (the ordered take's hints),
/// where `[any RedisArgument]` cost more than the bytes.
public struct EncodedArguments: Sendable {
    @usableFromInline var bytes = ByteBuffer()
    @usableFromInline var appended = 0

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The arguments in RESP.
    public var buffer: ByteBuffer { bytes }
    /// How many arguments ``buffer`` holds.
    public var count: Int { appended }

    /// Inlinable, so that each caller's argument types are written without a witness call.
    @inlinable
    public mutating func append(_ argument: some RedisArgument) {
        RedisCommand.append(argument, to: &bytes)
        appended += 1
    }
}
