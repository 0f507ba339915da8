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
        mac(keyed: HMAC<SHA256>(key: key), timestamp: timestamp, body: body)
    }

    /// The MAC from an HMAC already keyed (keying hashes the key's two pads: a third of the
    /// work for a 2 KiB body, so the verifier keys once per secret and copies the state).
    static func mac(
        keyed: HMAC<SHA256>,
        timestamp: some StringProtocol,
        body: UnsafeRawBufferPointer
    )
        -> HashedAuthenticationCode<SHA256>
    {
        var hmac = keyed
        var timestamp = String(timestamp)
        timestamp.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(ascii: ".")) { hmac.update(data: $0) }
        hmac.update(data: body)
        return hmac.finalize()
    }
}
