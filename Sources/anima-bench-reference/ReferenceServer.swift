import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The benchmark's yardstick for `anima-ingress`: a plain Hummingbird 2 app that answers
/// `POST /webhooks/anima` after checking the signature the way the webhook contract asks, and
/// does nothing else (no Redis). It uses no module of this project, so that it stays an
/// independent ceiling: `scripts/bench` prints "ingress ÷ reference".
///
/// The check: `x-anima-timestamp` plain digits within ±300 s of now, then `x-anima-signature`
/// 64 hex digits equal (constant time, swift-crypto's MAC comparison) to
/// `hex(HMAC-SHA256(secret, "<timestamp>.<body>"))`. The HTTP/1 server configuration is the
/// ingress's (idle timeout, decoder limits, no server name, 127.0.0.1).
@main
struct ReferenceServer {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = environment["PORT"].flatMap(Int.init) ?? 3001
        let secret = (environment["ANIMA_WEBHOOK_SECRET"] ?? "bench-secret").split(separator: " ").first.map(String.init) ?? "bench-secret"
        let key = SymmetricKey(data: Array(secret.utf8))
        let signatureField = HTTPField.Name("x-anima-signature")!
        let timestampField = HTTPField.Name("x-anima-timestamp")!
        var logger = Logger(label: "anima-bench-reference")
        logger.logLevel = .warning

        let router = Router()
        router.post("/webhooks/anima") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1_048_576)
            let ok = body.withUnsafeReadableBytes {
                verify(key: key, timestamp: request.headers[timestampField], signature: request.headers[signatureField], body: $0)
            }
            return ok
                ? Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"received":true}"#)))
                : Response(
                    status: .unauthorized, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"Invalid signature"}"#)))
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

    /// Timestamp within tolerance, then a constant-time comparison of the HMAC.
    static func verify(key: SymmetricKey, timestamp: String?, signature: String?, body: UnsafeRawBufferPointer) -> Bool {
        guard let timestamp, !timestamp.isEmpty, timestamp.utf8.count <= 15,
            timestamp.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let seconds = Int64(timestamp)
        else { return false }
        guard abs(Date().timeIntervalSince1970 - Double(seconds)) <= 300 else { return false }
        guard let signature, signature.utf8.count == 64, let expected = decodeHex(signature) else { return false }
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array(timestamp.utf8))
        hmac.update(data: [UInt8(ascii: ".")])
        hmac.update(data: body)
        // `==` between a MAC and bytes is swift-crypto's constant-time comparison.
        return hmac.finalize() == expected
    }

    static func decodeHex(_ text: String) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var high: UInt8?
        for c in text.utf8 {
            guard let n = nibble(c) else { return nil }
            if let h = high {
                out.append(h << 4 | n)
                high = nil
            } else {
                high = n
            }
        }
        return high == nil ? out : nil
    }
}
