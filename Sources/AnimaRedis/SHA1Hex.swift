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

    private static func hex(_ digest: Insecure.SHA1Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(40)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
