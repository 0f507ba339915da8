import AnimaRedis
import AnimaWebhooks
import NIOCore

/// What the worker read of a pending entry's order key before taking it, as bytes the ordered
/// take script can check instead of decoding the entry (``OrderScripts/take``): the entry's
/// length, and the tokens of its `id` and of its key where they sit (Lua's 1-based offsets).
///
/// A token carries one delimiter on each side (a string's quotes; the bytes around an
/// integer), so that it cannot match a longer value. Only entries whose fields a JSON decoder
/// can read one way only get a hint (``EventFieldLocations``).
struct OrderHint: Sendable, Equatable {
    let length: Int
    let idOffset: Int
    let idToken: ByteBuffer
    /// 0 when the entry has no key (it runs unordered).
    let keyOffset: Int
    let keyToken: ByteBuffer
    /// What the script's decode would have read: the key (nil: none) and the event's id.
    let hold: OrderHold?

    /// The hint for a stored entry (with or without its `#anima:v1` header, which the script
    /// skips as far as its first newline); nil when its fields are not plain enough.
    init?(stored: ByteBuffer, path: OrderKeyPath) {
        let found = stored.withUnsafeReadableBytes { bytes -> (body: Int, EventFieldLocations)? in
            var body = 0
            if bytes.starts(with: QueueEntry.magic) {
                guard let newline = bytes[QueueEntry.magic.count...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                body = newline + 1
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[body...])
            return EventFieldLocations.locate(in: rest, path: path.segmentBytes).map { (body, $0) }
        }
        // The script reads the length and the offsets as 32-bit numbers.
        guard let (body, fields) = found, stored.readableBytes <= UInt32.max else { return nil }
        func token(_ range: Range<Int>) -> (offset: Int, bytes: ByteBuffer) {
            (
                body + range.lowerBound + 1,
                stored.getSlice(at: stored.readerIndex + body + range.lowerBound, length: range.count) ?? ByteBuffer()
            )
        }
        length = stored.readableBytes
        (idOffset, idToken) = token(fields.id)
        switch fields.value {
        case .absent: (keyOffset, keyToken) = (0, ByteBuffer())
        case .string(let range): (keyOffset, keyToken) = token(range)
        case .integer(let range): (keyOffset, keyToken) = token(range.lowerBound - 1..<range.upperBound + 1)
        }
        func inside(_ token: ByteBuffer) -> String { String(buffer: Self.inside(token)) }
        hold = keyOffset == 0 ? nil : OrderHold(key: inside(keyToken), eventID: inside(idToken))
    }

    /// Appends the script's arguments for this hint (``OrderScripts/argumentsPerHint``): the
    /// length and the two offsets as big-endian 32-bit numbers in one argument, the two tokens,
    /// then the key's holder key and the value a take writes there (as
    /// ``QueueKeys/orderHeld(key:)`` and `0` + id spell them, written from the tokens' bytes).
    func append(to arguments: inout EncodedArguments, keys: QueueKeys) {
        arguments.append(Numbers(length: length, idOffset: idOffset, keyOffset: keyOffset))
        arguments.append(idToken)
        arguments.append(keyToken)
        guard hold != nil else {
            arguments.append("")
            arguments.append("")
            return
        }
        arguments.append(HeldKey(prefix: keys.orderHeldPrefix, key: Self.inside(keyToken)))
        arguments.append(Holder(id: Self.inside(idToken)))
    }

    /// A token's bytes without its delimiters.
    private static func inside(_ token: ByteBuffer) -> ByteBuffer {
        token.getSlice(at: token.readerIndex + 1, length: token.readableBytes - 2) ?? ByteBuffer()
    }

    private struct Numbers: RedisArgument {
        let length: Int
        let idOffset: Int
        let keyOffset: Int
        var byteCount: Int { 12 }
        func write(into buffer: inout ByteBuffer) {
            buffer.writeInteger(UInt32(length), endianness: .big)
            buffer.writeInteger(UInt32(idOffset), endianness: .big)
            buffer.writeInteger(UInt32(keyOffset), endianness: .big)
        }
    }

    private struct HeldKey: RedisArgument {
        let prefix: String
        let key: ByteBuffer
        var byteCount: Int { prefix.utf8.count + key.readableBytes }
        func write(into buffer: inout ByteBuffer) {
            buffer.writeString(prefix)
            buffer.writeImmutableBuffer(key)
        }
    }

    private struct Holder: RedisArgument {
        let id: ByteBuffer
        var byteCount: Int { 1 + id.readableBytes }
        func write(into buffer: inout ByteBuffer) {
            buffer.writeInteger(UInt8(ascii: "0"))
            buffer.writeImmutableBuffer(id)
        }
    }
}
