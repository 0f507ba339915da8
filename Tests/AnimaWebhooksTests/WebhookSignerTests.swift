import AnimaWebhooks
import Foundation
import Testing

@Suite("WebhookSigner")
struct WebhookSignerTests {
    typealias V = OpenSSLVectors

    @Test func agreesWithOpenSSLForAJSONBody() {
        let signature = WebhookSigner(secret: V.secret).signature(timestamp: V.timestamp, body: V.body)
        #expect(signature == V.signature, "expected \(V.signature), saw \(signature)")
    }

    @Test func agreesWithOpenSSLForEveryRotationSecret() {
        let old = WebhookSigner(secret: "old_secret").signature(timestamp: V.timestamp, body: V.body)
        let new = WebhookSigner(secret: "new_secret").signature(timestamp: V.timestamp, body: V.body)
        #expect(old == V.oldSecretSignature, "old_secret: expected \(V.oldSecretSignature), saw \(old)")
        #expect(new == V.newSecretSignature, "new_secret: expected \(V.newSecretSignature), saw \(new)")
    }

    @Test func agreesWithOpenSSLForABinaryBody() {
        let signature = WebhookSigner(secret: V.secret).signature(timestamp: V.timestamp, body: V.allBytes)
        #expect(signature == V.binaryBodySignature, "expected \(V.binaryBodySignature), saw \(signature)")
    }

    @Test func agreesWithOpenSSLForAnEmptyBody() {
        let signature = WebhookSigner(secret: V.secret).signature(timestamp: V.timestamp, body: [UInt8]())
        #expect(signature == V.emptyBodySignature, "expected \(V.emptyBodySignature), saw \(signature)")
    }

    @Test func producesWhatTheVerifierAccepts() {
        let body: [UInt8] = Array("any body at all".utf8)
        let signature = WebhookSigner(secret: "s3cret").signature(timestamp: 42, body: body)
        let result = SignatureVerifier(secrets: ["s3cret"]).verify(
            timestamp: "42",
            signature: signature,
            body: body,
            now: .init(timeIntervalSince1970: 42)
        )
        #expect(result == .success(42), "saw \(result)")
    }
}
