import AnimaTestSupport
import AnimaWebhooks
import Foundation
import Testing

/// What a forwarded request carries when the destination accepts it, signed or not.
@Suite("Forwarding: delivery")
struct ForwardingDeliveryTests {
    @Test func twoXXAnswerGetsExactlyOnePostPerEventWithTheRawBodyAndEventHeaders() async throws {
        try await withForwarding(otherwise: Answer(status: 204)) { f, stub in
            // Spacing, escapes and non-ASCII must reach the destination byte for byte.
            let events = [
                ("evt_fwd_a", #"{"id":"evt_fwd_a", "type":"resource.created","data":{"name":"Zoë ☃\u00e9","n":[1, 2.50]}}"#),
                ("evt_fwd_b", #" {"type":"resource.created","id":"evt_fwd_b"} "#),
            ]
            for (_, body) in events { try await f.push(body) }
            #expect(await f.waitUntilDone(events.map(\.0)), "not every event was marked done")
            // Nothing left that could POST again (pending, scheduled, taken), and one attempt each.
            #expect(await eventually { (try? await f.isIdle()) == true }, "something is still pending, scheduled or taken")
            let attempts = try await f.history().map { "\($0["id"] ?? "?") \($0["attempt"] ?? "?") \($0["result"] ?? "?")" }
            #expect(attempts.sorted() == events.map { "\($0.0) 1 ok" }.sorted(), "expected one ok attempt per event, saw \(attempts)")
            let requests = stub.requests
            #expect(requests.count == events.count, "expected \(events.count) POSTs, saw \(requests)")
            for (id, body) in events {
                let matching = requests.filter { $0.header("x-anima-event-id") == id }
                guard matching.count == 1, let request = matching.first else {
                    Issue.record("\(id): expected one request, saw \(matching)")
                    continue
                }
                #expect(request.method == "POST" && request.path == "/hook", "\(id): saw \(request.method) \(request.path)")
                #expect(
                    request.body == Array(body.utf8),
                    "\(id): body differs: sent \(body), received \(String(decoding: request.body, as: UTF8.self))"
                )
                let contentType = request.header("content-type")
                #expect(contentType == "application/json", "\(id): content-type \(contentType ?? "missing")")
                let type = request.header("x-anima-event-type")
                #expect(type == "resource.created", "\(id): x-anima-event-type \(type ?? "missing")")
                let attempt = request.header("x-anima-event-attempt")
                #expect(attempt == "1", "\(id): x-anima-event-attempt \(attempt ?? "missing")")
            }
            for (id, _) in events {
                let mark = try await f.get("anima:event:\(id)")
                #expect(mark == "done", "anima:event:\(id): expected done, saw \(mark ?? "nil")")
            }
        }
    }

    @Test func eventIDWithALineBreakInjectsNoHeader() async throws {
        try await withForwarding(environment: ["ANIMA_MAX_ATTEMPTS": "1"]) { f, stub in
            let body = #"{"id":"evt_inj\r\nx-injected: yes","type":"resource.created"}"#
            try await f.push(body)
            // Either way it settles: forwarded (done) or refused by the client (dead letter).
            let id = "evt_inj\r\nx-injected: yes"
            let settled = await eventually(timeout: .seconds(10)) {
                if (try? await f.isDone(id)) == true { return true }
                return (try? await f.count("anima:dead")) == 1
            }
            let pending = try await f.entries().count
            #expect(settled, "neither done nor dead-lettered; \(pending) pending, stub saw \(stub.requests)")
            let injected = stub.requests.filter { $0.header("x-injected") != nil }
            #expect(injected.isEmpty, "a line break in the id injected a header: \(injected.map(\.headers))")
        }
    }

    @Test func forwardSecretSignsTheRequestSoSignatureVerifierAcceptsIt() async throws {
        try await withForwarding(environment: ["ANIMA_FORWARD_SECRET": "s3cret"]) { f, stub in
            let event = makeEvent()
            try await f.push(event.body)
            let requests = await stub.waitForRequests(1)
            let request = try #require(requests.first, "no request arrived")
            let timestamp = request.header(WebhookHeaders.timestamp)
            let signature = request.header(WebhookHeaders.signature)
            #expect(timestamp != nil && signature != nil, "expected both signature headers, saw \(request.headers)")
            let result = SignatureVerifier(secrets: ["s3cret"])
                .verify(timestamp: timestamp, signature: signature, body: request.body, now: Date())
            #expect((try? result.get()) != nil, "SignatureVerifier rejected the forwarded request: \(result)")
            let wrong = SignatureVerifier(secrets: ["other"])
                .verify(timestamp: timestamp, signature: signature, body: request.body, now: Date())
            #expect((try? wrong.get()) == nil, "a different secret verified it too: \(wrong)")
            #expect(await f.waitUntilDone([event.id]))
        }
    }

    @Test func withoutForwardSecretTheRequestCarriesNoSignature() async throws {
        try await withForwarding { f, stub in
            let event = makeEvent()
            try await f.push(event.body)
            let request = try #require(await stub.waitForRequests(1).first, "no request arrived")
            let signature = request.header(WebhookHeaders.signature)
            let timestamp = request.header(WebhookHeaders.timestamp)
            #expect(signature == nil && timestamp == nil, "unsigned forwarding sent \(signature ?? "-") / \(timestamp ?? "-")")
            #expect(await f.waitUntilDone([event.id]))
        }
    }

    @Test func atConcurrencyFourEightForwardsRunFourAtATimeInTwoRounds() async throws {
        // The destination holds the first four answers until four requests are in (then 0.3 s
        // more, time for a fifth to show if the worker sent one), the next four until all eight
        // are: the worker must keep four in flight to get any answer, and a fifth request may
        // only come once an answer freed a slot. Load only makes it slower.
        let held = (0..<8).map { index in
            index < 4 ? Answer(status: 200, delay: .milliseconds(300), holdUntilRequests: 4) : Answer(status: 200, holdUntilRequests: 8)
        }
        try await withForwarding(answers: held, environment: ["ANIMA_WORKER_CONCURRENCY": "4"]) { f, stub in
            let events = (0..<8).map { _ in makeEvent() }
            for event in events { try await f.push(event.body) }
            let done = await f.waitUntilDone(events.map(\.id), timeout: .seconds(60))
            let requests = stub.requests
            #expect(done, "expected all 8 events done, the stub saw \(requests.count) requests")
            #expect(requests.count == 8, "expected 8 POSTs, saw \(requests.count)")
            let peak = peakInFlight(requests)
            #expect(peak == 4, "expected at most 4 and at some point 4 requests in flight at once, saw a peak of \(peak)")
            // Pooled: the second round reuses the first round's connections.
            #expect(stub.connectionCount < 8, "8 requests opened \(stub.connectionCount) connections")
        }
    }
}

/// The most requests the stub held at once: each counts from when it was read until its answer
/// began (an unanswered one until the end).
func peakInFlight(_ requests: [StubHTTPServer.Request]) -> Int {
    // At equal instants an answer counts before an arrival: the later request came after it.
    var marks: [(at: ContinuousClock.Instant, step: Int)] = []
    for request in requests {
        marks.append((request.receivedAt, 1))
        if let answeredAt = request.answeredAt { marks.append((answeredAt, -1)) }
    }
    marks.sort { $0.at < $1.at || ($0.at == $1.at && $0.step < $1.step) }
    var inFlight = 0
    var peak = 0
    for (_, step) in marks {
        inFlight += step
        peak = max(peak, inFlight)
    }
    return peak
}
