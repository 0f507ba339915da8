import AnimaWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The benchmark's yardstick: the same Hummingbird set-up as `anima-ingress`, answering
/// `POST /webhooks/anima` after HMAC verification only (no Redis). `scripts/bench` measures
/// the ingress against it side by side.
@main
struct ReferenceServer {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = environment["PORT"].flatMap(Int.init) ?? 3001
        let secrets = SignatureVerifier.secrets(fromEnvironmentValue: environment["ANIMA_WEBHOOK_SECRET"] ?? "bench-secret")
        let verifier = SignatureVerifier(secrets: secrets, tolerance: .seconds(300))
        let signature = HTTPField.Name("x-anima-signature")!
        let timestamp = HTTPField.Name("x-anima-timestamp")!
        var logger = Logger(label: "anima-bench-reference")
        logger.logLevel = .warning

        let router = Router()
        router.post("/webhooks/anima") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1_048_576)
            let verdict = body.withUnsafeReadableBytes {
                verifier.verify(timestamp: request.headers[timestamp], signature: request.headers[signature], body: $0, now: Date())
            }
            let (status, text): (HTTPResponse.Status, String) =
                if case .success = verdict { (.ok, #"{"received":true}"#) } else { (.unauthorized, #"{"error":"Invalid signature"}"#) }
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let app = Application(
            router: router,
            server: .http1(
                configuration: .init(
                    idleTimeout: .seconds(30),
                    httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
                )
            ),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { _ in print("anima-bench-reference listening on 127.0.0.1:\(port)") },
            logger: logger
        )
        try await app.runService()
    }
}
