import AnimaRedis
public import AnimaWebhooks
public import AnimaWorker
import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Tracing

/// Forwards events to an HTTP service: POSTs the raw body with `content-type:
/// application/json` and `x-anima-event-id`, `x-anima-event-type`, `x-anima-event-attempt`,
/// and with traces on the attempt's span as `traceparent` (and `tracestate`).
/// A 2xx answer is success; anything else (redirects are not followed), a connection error or
/// the handler timeout is a failure. On 429 and 503, `Retry-After` (seconds or an HTTP date)
/// becomes the next delay when it is longer than the backoff.
///
/// With a forward secret, each request is also signed like an Anima webhook
/// (`x-anima-timestamp`, `x-anima-signature` over `"<timestamp>.<body>"`), so the receiving
/// service can check it with ``SignatureVerifier``.
public struct HTTPForwardHandler: EventHandler {
    public let url: URL
    private let signer: WebhookSigner?
    private let client: HTTPClient

    /// One client per process: connections to each destination are pooled and reused.
    static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        // Fail an attempt as soon as the connection fails (refused, unreachable): the worker
        // retries with its own backoff. Retrying inside the client would wait out the whole
        // handler timeout and report the refusal as a timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        // No client span of its own: the request carries the attempt's span (see `handle`).
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(url: URL, forwardSecret: String? = nil) {
        self.url = url
        self.signer = forwardSecret.map { WebhookSigner(secret: $0) }
        self.client = Self.sharedClient
    }

    public func handle(_ event: WebhookEvent, context: HandlerContext) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-anima-event-id", value: event.id)
        request.headers.add(name: "x-anima-event-type", value: event.type)
        request.headers.add(name: "x-anima-event-attempt", value: String(event.attempt))
        if let attempt = ServiceContext.current {
            InstrumentationSystem.instrument.inject(attempt, into: &request.headers, using: HeadersInjector())
        }
        if let signer {
            let timestamp = Int64(Date().timeIntervalSince1970)
            request.headers.add(name: WebhookHeaders.timestamp, value: String(timestamp))
            request.headers.add(
                name: WebhookHeaders.signature,
                value: event.body.withUnsafeBytes { signer.signature(timestamp: timestamp, body: $0) }
            )
        }
        request.body = .bytes(ByteBuffer(data: event.body))

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(context.timeout.wholeNanoseconds))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw HandlerFailure("POST \(url.absoluteString) failed: \(Self.describe(error))")
        }
        // Read a little of the answer for the log and the dead letter; drop the rest.
        var head = ByteBuffer()
        do {
            for try await chunk in response.body {
                if head.readableBytes < 512 {
                    var chunk = chunk
                    head.writeBuffer(&chunk)
                }
            }
        } catch {
            context.logger.debug("answer body not read to the end: \(error)")
        }
        let status = Int(response.status.code)
        if (200..<300).contains(status) {
            context.logger.debug("forwarded", metadata: ["anima.http.status": "\(status)"])
            return
        }
        let snippet = String(decoding: head.readableBytesView.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
        var retryAfter: Duration?
        if status == 429 || status == 503, let value = response.headers.first(name: "retry-after") {
            retryAfter = Self.retryAfter(value, now: Date())
        }
        throw HandlerFailure(
            "HTTP \(status) from \(url.absoluteString)\(snippet.isEmpty ? "" : ": \(snippet)")",
            retryAfter: retryAfter
        )
    }

    /// Parses `Retry-After`: delta seconds, or an HTTP date.
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .milliseconds(Int64(seconds * 1000)) : .zero
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded: return "no answer within the handler timeout"
            case .connectTimeout: return "connect timed out"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}

/// Writes propagation headers (`traceparent`, `tracestate`) into a request's headers.
private struct HeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout HTTPHeaders) {
        carrier.replaceOrAdd(name: key, value: value)
    }
}
