internal import Crypto
public import NIOCore

/// Lower-case hex SHA-1, as Redis names scripts (and as the queue keys receipts by body).
public enum SHA1Hex {
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        hex(Insecure.SHA1.hash(data: Array(bytes)))
    }

    public static func of(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { hex(Insecure.SHA1.hash(data: $0)) }
    }

    /// Written straight into the string's storage: the worker names every event's receipt so.
    private static func hex(_ digest: Insecure.SHA1Digest) -> String {
        String(unsafeUninitializedCapacity: 2 * Insecure.SHA1Digest.byteCount) { text in
            var index = 0
            for byte in digest {
                text[index] = digit(byte >> 4)
                text[index + 1] = digit(byte & 0x0f)
                index += 2
            }
            return index
        }
    }

    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
