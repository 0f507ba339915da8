import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import CoreMetrics
import Foundation
import HTTPTypes
import Logging
import NIOCore

/// `POST /webhooks/anima`: size limit, signature, push, answer. Every request a client can send
/// gets one of the contract's answers, never a 500.
///
/// The decisions live here, apart from the transport, ``WebhookChannelHandler``, which answers
/// on the channel's event loop.
struct WebhookController: Sendable {
    let verifier: SignatureVerifier
    let pusher: EventPusher
    let metrics: IngressMetrics
    let maxBodyBytes: Int
    let pushTimeout: Duration
    let retryAfter: String
    /// Spans of webhook requests, when the process bootstrapped a tracer.
    var tracer: WebhookTracer? = nil

    static let signatureHeader = HTTPField.Name(WebhookHeaders.signature)!
    static let timestampHeader = HTTPField.Name(WebhookHeaders.timestamp)!

    /// What a verified body's push needs to know; or the refusal to send instead.
    enum Admission {
        case refused(WebhookAnswer)
        case admitted(sentAt: Int64, receivedAt: Date)
    }

    /// A body declared larger than the limit is refused before any of it is read.
    func isDeclaredTooLarge(_ headers: HTTPFields) -> Bool {
        headers[.contentLength].flatMap { Int($0) }.map { $0 > maxBodyBytes } ?? false
    }

    /// The timestamp, then the signature.
    func admit(_ headers: HTTPFields, body: ByteBuffer, logger: Logger) -> Admission {
        let now = Date()
        let verdict = body.withUnsafeReadableBytes { bytes in
            verifier.verify(timestamp: headers[Self.timestampHeader], signature: headers[Self.signatureHeader], body: bytes, now: now)
        }
        switch verdict {
        case .success(let sentAt):
            metrics.clockSkew(seconds: now.timeIntervalSince1970 - Double(sentAt))
            return .admitted(sentAt: sentAt, receivedAt: now)
        case .failure(let failure):
            metrics.rejected(reason: failure.label)
            metrics.request(outcome: failure.isTimestampFailure ? "invalid_timestamp" : "invalid_signature")
            logger.info("webhook rejected: \(failure)")
            let json = failure.isTimestampFailure ? JSONAnswers.timestampOutsideTolerance : JSONAnswers.invalidSignature
            return .refused(WebhookAnswer(status: .unauthorized, json: json))
        }
    }

    /// The answer to a push that began at `started`.
    func answer(to outcome: PushOutcome, started: ContinuousClock.Instant, logger: Logger) -> WebhookAnswer {
        metrics.pushLatency.recordNanoseconds((ContinuousClock.now - started).wholeNanoseconds)
        switch outcome {
        case .stored:
            metrics.request(outcome: "accepted")
            return WebhookAnswer(status: .ok, json: JSONAnswers.received)
        case .queueFull:
            metrics.request(outcome: "queue_full")
            logger.notice("webhook refused: ANIMA_MAX_PENDING events already waiting")
        case .unavailable(let reason):
            metrics.request(outcome: "unavailable")
            logger.warning("webhook refused: Redis unavailable: \(reason)")
        case .timedOut:
            metrics.request(outcome: "timeout")
            logger.warning("webhook refused: Redis did not answer within \(pushTimeout)")
        case .notReplicated(let confirmed, let required):
            metrics.request(outcome: "not_replicated")
            logger.warning(
                "webhook refused: \(confirmed) of \(required) required replicas confirmed the event within \(pushTimeout) (ANIMA_MIN_REPLICAS)"
            )
        }
        return WebhookAnswer(status: .serviceUnavailable, json: JSONAnswers.queueUnavailable, headers: [.retryAfter: retryAfter])
    }

    func tooLarge(logger: Logger) -> WebhookAnswer {
        metrics.request(outcome: "too_large")
        logger.info("webhook refused: body larger than \(maxBodyBytes) bytes")
        return WebhookAnswer(status: .contentTooLarge, json: JSONAnswers.tooLarge, headers: [.connection: "close"])
    }
}
