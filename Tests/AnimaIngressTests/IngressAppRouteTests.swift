import AnimaTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// The ingress application's other routes, in-process against a real Redis: probes, metrics,
/// unknown paths and methods.
@Suite("Ingress app: probes, metrics and routes", .sharedRedis)
struct IngressAppRouteTests {
    @Test func healthzIs200() async throws {
        try await IngressAppFixture.run { f in
            let answer = try await f.request(.get, "/healthz")
            #expect(answer.status == .ok, "expected 200, saw \(answer.summary)")
        }
    }

    @Test func healthzIs200WhileRedisIsDown() async throws {
        try await IngressAppFixture.run(ownRedis: true) { f in
            await f.redis.stop()
            let answer = try await f.request(.get, "/healthz")
            #expect(answer.status == .ok, "without Redis: expected 200, saw \(answer.summary)")
        }
    }

    @Test func readyzIs200WhileRedisAnswers() async throws {
        try await IngressAppFixture.run { f in
            let answer = try await f.request(.get, "/readyz")
            #expect(answer.status == .ok, "with Redis: expected 200, saw \(answer.summary)")
        }
    }

    @Test func readyzIs503WhileRedisIsDown() async throws {
        try await IngressAppFixture.run(ownRedis: true) { f in
            await f.redis.stop()
            let answer = try await f.request(.get, "/readyz")
            #expect(answer.status == .serviceUnavailable, "without Redis: expected 503, saw \(answer.summary)")
        }
    }

    @Test func metricsCountAnAcceptedEvent() async throws {
        try await IngressAppFixture.run { f in
            let posted = try await f.post(eventBody())
            #expect(posted.status == .ok, "the event: expected 200, saw \(posted.summary)")
            let answer = try await f.request(.get, "/metrics")
            #expect(answer.status == .ok, "/metrics: expected 200, saw \(answer.summary)")
            let contentType = answer.headers[.contentType]
            #expect(contentType?.hasPrefix("text/plain") == true, "expected content-type text/plain, saw \(contentType ?? "none")")
            let line = #"anima_ingress_requests_total{outcome="accepted"} 1"#
            #expect(answer.text.contains(line), "expected the line \(line) in:\n\(answer.text)")
        }
    }

    @Test(arguments: ["/webhooks/anima?source=crm", "/webhooks/anima/"])
    func theWebhookPathWithAQueryOrATrailingSlashIsTheWebhook(path: String) async throws {
        try await IngressAppFixture.run { f in
            let answer = try await f.post(eventBody(), path: path)
            #expect(answer.status == .ok, "POST \(path): expected 200, saw \(answer.summary)")
        }
    }

    /// `//webhooks//anima` is not the webhook's path (there is no route that would read it as one).
    @Test(arguments: [("GET", "/"), ("POST", "/webhooks/other"), ("GET", "/webhooks/anima/x"), ("POST", "//webhooks//anima")])
    func unknownPathIs404(method: String, path: String) async throws {
        try await IngressAppFixture.run { f in
            let answer = try await f.request(HTTPRequest.Method(method)!, path)
            #expect(answer.status == .notFound, "\(method) \(path): expected 404, saw \(answer.summary)")
        }
    }

    @Test(arguments: ["GET", "PUT", "DELETE"])
    func otherMethodOnTheWebhookPathIs405WithAllow(method: String) async throws {
        try await IngressAppFixture.run { f in
            let answer = try await f.request(HTTPRequest.Method(method)!, "/webhooks/anima")
            #expect(answer.status == .methodNotAllowed, "\(method): expected 405, saw \(answer.summary)")
            #expect(answer.headers[.allow] == "POST", "\(method): expected Allow: POST, saw \(answer.headers[.allow] ?? "none")")
        }
    }
}
