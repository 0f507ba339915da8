import AnimaTestSupport
import AnimaWebhooks
import Testing

/// What the ingress answers for each signature and timestamp, end to end.
@Suite("Ingress: signatures and timestamps")
struct IngressSignatureTests {
    @Test func signedEventIsAcceptedAndQueuedByteForByte() async throws {
        try await IngressFixture.run { f in
            let body = eventBody()
            let answer = try await f.post(body)
            #expect(answer.status == 200 && answer.text == Answers.received, "expected 200 \(Answers.received), saw \(answer.summary)")
            #expect(
                answer.header("content-type")?.hasPrefix("application/json") == true,
                "content-type: \(String(describing: answer.header("content-type")))"
            )
            let queued = try await f.queued()
            #expect(
                queued == [body],
                "expected exactly the body on anima:events, saw \(queued.map { String(decoding: $0, as: UTF8.self) })"
            )
        }
    }

    @Test func upperCaseSignatureIsAccepted() async throws {
        try await IngressFixture.run { f in
            let body = eventBody()
            let signature = f.ingress.signedHeaders(for: body)[1].1.uppercased()
            let answer = try await f.post(body, signature: signature)
            #expect(answer.status == 200, "expected 200, saw \(answer.summary)")
        }
    }

    @Test func secondSecretOfARotationListIsAccepted() async throws {
        try await IngressFixture.run(secrets: ["new_secret", "old_secret"]) { f in
            let body = eventBody()
            let headers = f.ingress.signedHeaders(for: body, secret: "old_secret")
            let answer = try await f.http.request("POST", "/webhooks/anima", headers: headers, body: body)
            #expect(answer.status == 200, "expected 200, saw \(answer.summary)")
            #expect(try await f.queued() == [body])
        }
    }

    @Test func badSignaturesAreRejectedAndNothingIsQueued() async throws {
        try await IngressFixture.run { f in
            let body = eventBody()
            let good = f.ingress.signedHeaders(for: body)[1].1
            let wrongSecret = TestSigning.headers(for: body, secret: "not-the-secret")[1].1
            let cases: [(String, String??)] = [
                ("wrong secret", .some(wrongSecret)),
                ("missing", .some(nil)),
                ("empty", ""),
                ("not hex", String(repeating: "x", count: 64)),
                ("63 digits", String(good.dropLast())),
                ("65 digits", good + "0"),
                ("prefixed", "sha256=" + good),
                ("flipped digit", String(good.dropLast()) + (good.last == "0" ? "1" : "0")),
            ]
            for (name, signature) in cases {
                let answer = try await f.post(body, signature: signature)
                #expect(
                    answer.status == 401 && answer.text == Answers.invalidSignature,
                    "\(name): expected 401 \(Answers.invalidSignature), saw \(answer.summary)"
                )
            }
            #expect(try await f.queued().isEmpty, "a rejected event was queued")
        }
    }

    @Test func badTimestampsAreRejectedEvenWithABadSignature() async throws {
        try await IngressFixture.run { f in
            let body = eventBody()
            let now = TestSigning.now()
            let timestamps: [(String, String??)] = [
                ("missing", .some(nil)), ("empty", ""), ("negative", "-5"), ("plus", "+5"), ("decimal", "1.5"),
                ("hex", "0x10"), ("letters", "abc"), ("huge", String(repeating: "9", count: 40)),
                // Well beyond the 300 s tolerance: the loop below runs for a while.
                ("old", String(now - 400)), ("future", String(now + 400)), ("zero", "0"),
            ]
            for (name, timestamp) in timestamps {
                for signature in [nil, "bad", String(repeating: "0", count: 64)] as [String?] {
                    let answer = try await f.post(body, timestamp: timestamp, signature: .some(signature))
                    #expect(
                        answer.status == 401 && answer.text == Answers.timestamp,
                        "timestamp \(name), signature \(signature ?? "none"): expected 401 \(Answers.timestamp), saw \(answer.summary)"
                    )
                }
            }
            #expect(try await f.queued().isEmpty, "a rejected event was queued")
        }
    }

    @Test func oldTimestampWithAValidSignatureIsRejected() async throws {
        try await IngressFixture.run { f in
            let body = eventBody()
            let headers = f.ingress.signedHeaders(for: body, timestamp: TestSigning.now() - 3600)
            let answer = try await f.http.request("POST", "/webhooks/anima", headers: headers, body: body)
            #expect(answer.status == 401 && answer.text == Answers.timestamp, "saw \(answer.summary)")
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
