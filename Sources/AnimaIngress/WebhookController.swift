import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST /webhooks/anima`: size limit, signature, push, answer. Never throws: every request
/// a client can send gets one of the contract's answers, never a 500.
struct WebhookController: Sendable {
    let verifier: SignatureVerifier
    let pusher: EventPusher
    let metrics: IngressMetrics
    let maxBodyBytes: Int
    let pushTimeout: Duration
    let retryAfter: String

    static let signatureHeader = HTTPField.Name(WebhookHeaders.signature)!
    static let timestampHeader = HTTPField.Name(WebhookHeaders.timestamp)!

    func receive(_ request: Request, context: some RequestContext) async -> Response {
        // 1. Size: refuse a declared oversized body before reading any of it; for a chunked
        //    (or lying) body, stop reading at the limit.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            return tooLarge(context)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            if error is NIOTooManyBytesError {
                return tooLarge(context)
            }
            // The client went away mid-body; nobody is left to read an answer.
            context.logger.debug("request body not read: \(error)")
            return JSONAnswers.response(.badRequest, #"{"error":"Body could not be read"}"#)
        }

        // 2. Timestamp, then signature.
        let verdict = body.withUnsafeReadableBytes { bytes in
            verifier.verify(
                timestamp: request.headers[Self.timestampHeader],
                signature: request.headers[Self.signatureHeader],
                body: bytes,
                now: Date()
            )
        }
        let sentAt: Int64
        switch verdict {
        case .success(let timestamp): sentAt = timestamp
        case .failure(let failure):
            metrics.rejected(reason: failure.label)
            metrics.request(outcome: failure.isTimestampFailure ? "invalid_timestamp" : "invalid_signature")
            context.logger.info("webhook rejected: \(failure)")
            return JSONAnswers.response(
                .unauthorized,
                failure.isTimestampFailure ? JSONAnswers.timestampOutsideTolerance : JSONAnswers.invalidSignature
            )
        }
        let receivedAt = Int64(Date().timeIntervalSince1970 * 1000)
        metrics.clockSkew(seconds: Double(receivedAt) / 1000 - Double(sentAt))

        // 3. Store, then answer.
        let started = ContinuousClock.now
        let outcome = await pusher.push(body, receivedAt: receivedAt, sentAt: sentAt, timeout: pushTimeout)
        metrics.pushLatency.recordNanoseconds((ContinuousClock.now - started).wholeNanoseconds)
        switch outcome {
        case .stored:
            metrics.request(outcome: "accepted")
            return JSONAnswers.response(.ok, JSONAnswers.received)
        case .queueFull:
            metrics.request(outcome: "queue_full")
            context.logger.notice("webhook refused: ANIMA_MAX_PENDING events already waiting")
            return unavailable()
        case .unavailable(let reason):
            metrics.request(outcome: "unavailable")
            context.logger.warning("webhook refused: Redis unavailable: \(reason)")
            return unavailable()
        case .timedOut:
            metrics.request(outcome: "timeout")
            context.logger.warning("webhook refused: Redis did not answer within \(pushTimeout)")
            return unavailable()
        case .notReplicated(let confirmed, let required):
            metrics.request(outcome: "not_replicated")
            context.logger.warning(
                "webhook refused: \(confirmed) of \(required) required replicas confirmed the event within \(pushTimeout) (ANIMA_MIN_REPLICAS)"
            )
            return unavailable()
        }
    }

    private func tooLarge(_ context: some RequestContext) -> Response {
        metrics.request(outcome: "too_large")
        context.logger.info("webhook refused: body larger than \(maxBodyBytes) bytes")
        return JSONAnswers.response(.contentTooLarge, JSONAnswers.tooLarge, headers: [.connection: "close"])
    }

    private func unavailable() -> Response {
        JSONAnswers.response(.serviceUnavailable, JSONAnswers.queueUnavailable, headers: [.retryAfter: retryAfter])
    }
}
