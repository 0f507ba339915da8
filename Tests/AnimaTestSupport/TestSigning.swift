import AnimaWebhooks
import Foundation

/// Signed webhook headers for tests, made with ``AnimaWebhooks/WebhookSigner`` (whose output
/// the webhooks tests check against openssl).
public enum TestSigning {
    /// The current Unix time in whole seconds.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    public static func headers(for body: [UInt8], secret: String, timestamp: Int64 = now()) -> [(String, String)] {
        [
            (WebhookHeaders.timestamp, String(timestamp)),
            (WebhookHeaders.signature, WebhookSigner(secret: secret).signature(timestamp: timestamp, body: body)),
        ]
    }
}
