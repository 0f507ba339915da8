import AnimaIngress
import AnimaTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Body limits and hostile requests on the wire, through the application's own pipeline
/// in-process (``IngressAppFixture``, live mode). The barrage of `IngressHostileInputTests` runs
/// against the real binary.
@Suite("Ingress app: HTTP on the wire", .sharedRedis)
struct IngressAppWireTests {
    @Test func chunkedBodyOverTheLimitIs413AndNotQueued() async throws {
        try await IngressAppFixture.run(configure: { $0.maxBodyBytes = 1000 }) { f in
            let body = [UInt8](repeating: UInt8(ascii: "c"), count: 3000)
            let answer = try await f.http.postChunked(
                "/webhooks/anima",
                headers: f.signedHeaders(for: body),
                body: body,
                chunkSize: 500
            )
            #expect(answer.status == 413, "expected 413, saw \(answer.summary)")
            #expect(try await f.queued().isEmpty, "the oversized body was queued")
        }
    }

    @Test func chunkedBodyWithinTheLimitIsAccepted() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let answer = try await f.http.postChunked(
                "/webhooks/anima",
                headers: f.signedHeaders(for: body),
                body: body,
                chunkSize: 7
            )
            #expect(answer.status == 200, "saw \(answer.summary)")
            #expect(try await f.queued() == [body])
        }
    }

    @Test func largeDeclaredBodyIsRefusedBeforeItIsSent() async throws {
        try await IngressAppFixture.run(configure: { $0.maxBodyBytes = 1000 }) { f in
            // Headers only: the server must answer on the declared length alone.
            let raw = "POST /webhooks/anima HTTP/1.1\r\nhost: x\r\ncontent-length: 100000000\r\n\r\n"
            let answer = try await f.http.send(raw: Array(raw.utf8), timeout: .seconds(5))
            #expect(answer.status == 413, "saw \(answer.summary)")
        }
    }

    @Test func duplicateSignatureHeadersNeverGive500() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let signed = f.signedHeaders(for: body)
            let duplicates: [[(String, String)]] = [
                signed + [signed[1]],
                signed + [("x-anima-signature", String(repeating: "0", count: 64))],
                signed + [signed[0]],
                signed + [("x-anima-timestamp", "1")],
            ]
            for headers in duplicates {
                let answer = try await f.http.request("POST", "/webhooks/anima", headers: headers, body: body)
                #expect([200, 400, 401].contains(answer.status), "duplicate headers: expected 200/400/401, saw \(answer.summary)")
            }
        }
    }

    @Test func hugeHeaderNeverGives500() async throws {
        try await IngressAppFixture.run { f in
            let body = eventBody()
            let signed = f.signedHeaders(for: body)
            let huge = String(repeating: "a", count: 100_000)
            let cases: [[(String, String)]] = [
                signed + [("x-filler", huge)],
                [(signed[0]), ("x-anima-signature", huge)],
                [("x-anima-timestamp", huge), signed[1]],
            ]
            for headers in cases {
                do {
                    let answer = try await f.http.request("POST", "/webhooks/anima", headers: headers, body: body, timeout: .seconds(5))
                    #expect(answer.status != 500 && answer.status < 500, "huge header: saw \(answer.summary)")
                } catch {
                    // Closing the connection on an oversized header is an acceptable refusal.
                }
            }
            let after = try await f.post(body)
            #expect(after.status == .ok, "the ingress no longer answers after huge headers: \(after.summary)")
        }
    }

    @Test func garbageRequestNeverGives500() async throws {
        try await IngressAppFixture.run { f in
            let requests = [
                "POST /webhooks/anima HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nhello",
                "POST /webhooks/anima HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                "POST /webhooks/anima HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n",
                "BREW /webhooks/anima HTTP/1.1\r\nhost: x\r\n\r\n",
            ]
            for raw in requests {
                if let answer = try? await f.http.send(raw: Array(raw.utf8), timeout: .seconds(5)) {
                    #expect(answer.status < 500, "\(raw.prefix(60).debugDescription): saw \(answer.summary)")
                }
            }
            let after = try await f.post(eventBody())
            #expect(after.status == .ok, "the ingress no longer answers after garbage: \(after.summary)")
        }
    }
}
