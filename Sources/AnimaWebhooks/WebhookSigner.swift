import Crypto
import Foundation

/// Signs a payload the way Anima does: `hex(HMAC_SHA256(secret, "<timestamp>.<raw body>"))`.
///
/// Used by `anima-admin send`, by forwarding workers, and by tests. The HMAC is fed the
/// timestamp, the dot and the body in turn, so the body is never copied.
public struct WebhookSigner: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        self.key = SymmetricKey(data: Array(secret.utf8))
    }

    public func signature(timestamp: Int64, body: UnsafeRawBufferPointer) -> String {
        Hex.encode(Self.mac(key: key, timestamp: String(timestamp), body: body))
    }

    public func signature(timestamp: Int64, body: [UInt8]) -> String {
        body.withUnsafeBytes { signature(timestamp: timestamp, body: $0) }
    }

    public func signature(timestamp: Int64, body: String) -> String {
        signature(timestamp: timestamp, body: Array(body.utf8))
    }

    static func mac(
        key: SymmetricKey,
        timestamp: some StringProtocol,
        body: UnsafeRawBufferPointer
    )
        -> HashedAuthenticationCode<SHA256>
    {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array(timestamp.utf8))
        hmac.update(data: [UInt8(ascii: ".")])
        hmac.update(data: body)
        return hmac.finalize()
    }
}
