import AnimaIngress
import AnimaTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Several requests on one connection, through the application's own pipeline in-process
/// (``IngressAppFixture``, live mode): webhooks are answered on the event loop, everything else
/// by Hummingbird, and the answers still come in the order of the requests, with keep-alive,
/// half-close and `connection: close` as HTTP/1.1 has them.
@Suite("Ingress app: requests on one connection", .sharedRedis)
struct IngressAppConnectionTests {
    @Test func pipelinedWebhooksAndOtherRequestsAreAnsweredInOrder() async throws {
        try await IngressAppFixture.run { f in
            let (first, second) = (eventBody(), eventBody())
            let raw =
                get("/healthz") + webhook(first, f) + get("/nowhere") + webhook(second, f) + get("/webhooks/anima")
            let exchange = try await f.http.exchange(raw: raw, answers: 5)
            let statuses = exchange.answers.map(\.status)
            #expect(statuses == [200, 200, 404, 200, 405], "expected 200, 200, 404, 200, 405 in order, saw \(statuses)")
            #expect(try await f.queued() == [first, second], "expected both webhooks queued in order")
        }
    }

    @Test func aWebhookFollowedByAHalfCloseIsStillAnswered() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let exchange = try await f.http.exchange(raw: webhook(body, f), halfClose: true)
            let statuses = exchange.answers.map(\.status)
            #expect(statuses == [200], "expected one 200 before the server's close, saw \(statuses)")
            #expect(try await f.queued() == [body], "expected the event queued")
        }
    }

    @Test func connectionCloseClosesTheConnectionAfterTheAnswer() async throws {
        try await IngressAppFixture.run { f in
            let raw = webhook(eventBody(), f, close: true) + get("/healthz")
            let exchange = try await f.http.exchange(raw: raw, answers: 2)
            let statuses = exchange.answers.map(\.status)
            #expect(statuses == [200], "expected the webhook's 200 and nothing after, saw \(statuses)")
            #expect(exchange.closed, "expected the server to close the connection after the answer")
        }
    }

    @Test func anOversizedChunkedBodyIsAnswered413AndTheConnectionClosed() async throws {
        try await IngressAppFixture.run(configure: { $0.maxBodyBytes = 1000 }) { f in
            let body = [UInt8](repeating: UInt8(ascii: "c"), count: 3000)
            let raw = webhook(body, f, chunked: true) + get("/healthz")
            let exchange = try await f.http.exchange(raw: raw, answers: 2)
            let statuses = exchange.answers.map(\.status)
            #expect(statuses == [413], "expected 413 and nothing after, saw \(statuses)")
            #expect(exchange.answers.first?.header("connection") == "close", "expected connection: close on the 413")
            #expect(exchange.closed, "expected the server to close the connection as the 413 says")
            #expect(try await f.queued().isEmpty, "the oversized body was queued")
        }
    }

    private func get(_ path: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nhost: x\r\n\r\n".utf8)
    }

    /// A signed webhook request, its body sent whole or in chunks of 500 bytes.
    private func webhook(_ body: [UInt8], _ f: IngressAppFixture, close: Bool = false, chunked: Bool = false) -> [UInt8] {
        var head = "POST /webhooks/anima HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        for (name, value) in f.signedHeaders(for: body) { head += "\(name): \(value)\r\n" }
        if close { head += "connection: close\r\n" }
        guard chunked else { return Array((head + "content-length: \(body.count)\r\n\r\n").utf8) + body }
        var raw = Array((head + "transfer-encoding: chunked\r\n\r\n").utf8)
        for start in stride(from: 0, to: body.count, by: 500) {
            let chunk = body[start..<min(start + 500, body.count)]
            raw += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + Array("\r\n".utf8)
        }
        return raw + Array("0\r\n\r\n".utf8)
    }
}
