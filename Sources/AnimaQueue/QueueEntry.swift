public import NIOCore

/// One entry of the pending list, the processing lists or the retry set.
///
/// The ingress stores raw bodies. Once an event has been tried, the worker stores it with a
/// one-line header in front that carries the attempt count:
///
///     #anima:v1 <attempts made> <nonce>\n<raw body>
///
/// A JSON body never starts with `#`, so the two forms cannot be confused. The nonce keeps
/// two retries of identical bodies apart in the retry set.
public struct QueueEntry: Sendable {
    /// The entry exactly as stored (needed to remove it from a list).
    public let stored: ByteBuffer
    /// The raw event body.
    public let body: ByteBuffer
    /// How many attempts were already made (0 for a fresh event).
    public let attempts: Int

    static let magic = Array("#anima:v1 ".utf8)

    public init(stored: ByteBuffer) {
        self.stored = stored
        if let (attempts, headerLength) = Self.header(of: stored) {
            self.attempts = attempts
            self.body = stored.getSlice(at: stored.readerIndex + headerLength, length: stored.readableBytes - headerLength) ?? ByteBuffer()
        } else {
            self.attempts = 0
            self.body = stored
        }
    }

    /// Encodes `body` with a header saying `attempts` were made.
    public static func encode(body: ByteBuffer, attempts: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(body.readableBytes + 48)
        buffer.writeBytes(magic)
        buffer.writeString("\(attempts) \(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff)\n")
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    /// (attempts, header length) when `stored` has a valid header.
    private static func header(of stored: ByteBuffer) -> (Int, Int)? {
        stored.withUnsafeReadableBytes { bytes -> (Int, Int)? in
            guard bytes.count > magic.count, bytes.starts(with: magic) else { return nil }
            var index = magic.count
            var attempts = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, digits < 9 {
                attempts = attempts * 10 + Int(bytes[index] - 48)
                index += 1
                digits += 1
            }
            guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: " ") else { return nil }
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")), newline - index <= 32 else { return nil }
            return (attempts, newline + 1)
        }
    }
}
