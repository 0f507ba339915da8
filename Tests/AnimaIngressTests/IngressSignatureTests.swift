import AnimaTestSupport
import Testing

/// Signatures and timestamps through the real binary: the settings that reach the verifier
/// (a rotation list in `ANIMA_WEBHOOK_SECRET`, `ANIMA_TOLERANCE_SECONDS`) and HTTP's trimming
/// of header values. The answer to each signature and timestamp is tested in-process
/// (`IngressAppWebhookTests`).
@Suite("Ingress: signatures and timestamps")
struct IngressSignatureTests {
    @Test func secondSecretOfARotationListIsAccepted() async throws {
        try await IngressFixture.run(secrets: ["new_secret", "old_secret"]) { f in
            let body = eventBody()
            let headers = f.ingress.signedHeaders(for: body, secret: "old_secret")
            let answer = try await f.http.request("POST", "/webhooks/anima", headers: headers, body: body)
            #expect(answer.status == 200, "expected 200, saw \(answer.summary)")
            #expect(try await f.queued() == [body])
        }
    }

    @Test func toleranceIsConfigurable() async throws {
        try await IngressFixture.run(environment: ["ANIMA_TOLERANCE_SECONDS": "10"]) { f in
            let body = eventBody()
            let stale = f.ingress.signedHeaders(for: body, timestamp: TestSigning.now() - 60)
            let answer = try await f.http.request("POST", "/webhooks/anima", headers: stale, body: body)
            #expect(answer.status == 401 && answer.text == Answers.timestamp, "60 s old with 10 s tolerance: \(answer.summary)")
        }
    }

    @Test func headerValuesAreTrimmedOfSpaces() async throws {
        try await IngressFixture.run { f in
            let body = eventBody()
            let headers = f.ingress.signedHeaders(for: body)
            let answer = try await f.post(body, timestamp: "  \(headers[0].1)  ", signature: "\t\(headers[1].1) ")
            #expect(answer.status == 200, "expected 200, saw \(answer.summary)")
        }
    }
}
