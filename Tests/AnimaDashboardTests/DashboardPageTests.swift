import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard pages")
struct DashboardPageTests {
    @Test func overviewShowsThePendingAndDeadCounts() async throws {
        try await withDashboard { dashboard in
            _ = try await dashboard.redis.send(RedisCommand("LPUSH", dashboard.keys.events, #"{"id":"a"}"#, #"{"id":"b"}"#))
            try await dashboard.addDeadLetter(id: "evt_dead")
            let page = try await dashboard.get("/")
            #expect(page.status == .ok, "expected 200, saw \(page.status)")
            #expect(page.text.contains(#"id="stat-pending">2<"#), "expected pending 2 in: \(page.text.prefix(3000))")
            #expect(page.text.contains(#"id="stat-dead">1<"#), "expected dead 1 in the overview")
        }
    }

    @Test func overviewDrawsHandledAndFailedBarsFromTheHistory() async throws {
        try await withDashboard { dashboard in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for attempt in 1...3 {
                try await dashboard.record(
                    HistoryRecord(eventID: "e\(attempt)", type: "t", attempt: 1, result: .ok, worker: "w", at: now - 1000))
            }
            try await dashboard.record(
                HistoryRecord(eventID: "f", type: "t", attempt: 1, result: .retry, error: "boom", worker: "w", at: now - 1000))
            let text = try await dashboard.get("/").text
            #expect(text.contains(#"class="bar-handled""#), "expected a handled bar in the SVG")
            #expect(text.contains(#"class="bar-failed""#), "expected a failed bar in the SVG")
            #expect(text.contains("handled 3"), "expected 'handled 3' in the caption")
            #expect(text.contains("failed 1"), "expected 'failed 1' in the caption")
        }
    }

    @Test func overviewShowsAPausedTypeWithAResumeButton() async throws {
        try await withDashboard { dashboard in
            _ = try await PausedTypes(keys: dashboard.keys, client: dashboard.redis).pause("invoice.paid")
            let text = try await dashboard.get("/").text
            #expect(text.contains("<code>invoice.paid</code>"), "expected the paused type listed")
            #expect(text.contains(#"action="/resume""#), "expected a resume form")
        }
    }

    @Test func pauseFormPausesTheTypeAndRedirects() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.post("/pause", form: [("type", "invoice.paid")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            let types = try await PausedTypes(keys: dashboard.keys, client: dashboard.redis).types()
            #expect(types == ["invoice.paid"], "expected invoice.paid paused, saw \(types)")
        }
    }

    @Test func resumeFormResumesTheType() async throws {
        try await withDashboard { dashboard in
            _ = try await PausedTypes(keys: dashboard.keys, client: dashboard.redis).pause("invoice.paid")
            let answer = try await dashboard.post("/resume", form: [("type", "invoice.paid")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            let types = try await PausedTypes(keys: dashboard.keys, client: dashboard.redis).types()
            #expect(types.isEmpty, "expected no paused type, saw \(types)")
        }
    }

    @Test func eventPageShowsTheAttemptsAndTheStateNow() async throws {
        try await withDashboard { dashboard in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try await dashboard.record(
                HistoryRecord(eventID: "evt_h", type: "t", attempt: 1, result: .retry, error: "timeout", worker: "w1", at: now - 2000))
            try await dashboard.record(HistoryRecord(eventID: "evt_h", type: "t", attempt: 2, result: .ok, worker: "w1", at: now - 1000))
            _ = try await dashboard.redis.send(RedisCommand("SET", dashboard.keys.event(id: "evt_h"), "done"))
            let page = try await dashboard.get("/events?id=evt_h")
            #expect(page.status == .ok, "expected 200, saw \(page.status)")
            #expect(page.text.contains(#"id="event-state">done<"#), "expected state done")
            #expect(page.text.contains("timeout"), "expected the first attempt's error")
            #expect(page.text.contains("anima-admin events show evt_h --key-prefix dash"), "expected the matching command")
        }
    }

    @Test func eventPageForAnUnknownIDSaysSoWith404() async throws {
        try await withDashboard { dashboard in
            let page = try await dashboard.get("/events/evt_nobody")
            #expect(page.status == .notFound, "expected 404, saw \(page.status)")
            #expect(page.text.contains("event-unknown"), "expected the unknown message")
        }
    }

    @Test func retriesPageListsTheDueTime() async throws {
        try await withDashboard { dashboard in
            let due = Int64(Date().timeIntervalSince1970 * 1000) + 60_000
            let entry = QueueEntry.encode(body: ByteBuffer(string: #"{"id":"evt_r","type":"t"}"#), attempts: 2)
            _ = try await dashboard.redis.send(RedisCommand("ZADD", dashboard.keys.scheduled, String(due), entry))
            let text = try await dashboard.get("/retries").text
            #expect(text.contains(EventStatus.iso(due)), "expected the due time \(EventStatus.iso(due))")
            #expect(text.contains("evt_r"), "expected the event id")
        }
    }

    @Test func runNowMovesTheRetryToPending() async throws {
        try await withDashboard { dashboard in
            let entry = QueueEntry.encode(body: ByteBuffer(string: #"{"id":"evt_r","type":"t"}"#), attempts: 2)
            _ = try await dashboard.redis.send(RedisCommand("ZADD", dashboard.keys.scheduled, "9999999999999", entry))
            let answer = try await dashboard.post("/retries/\(SHA1Hex.of(entry))/run")
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(try await dashboard.count("ZCARD", dashboard.keys.scheduled) == 0, "expected no retry left")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 1, "expected one pending event")
        }
    }

    @Test func deleteRetryRemovesItWithoutQueueingIt() async throws {
        try await withDashboard { dashboard in
            let entry = QueueEntry.encode(body: ByteBuffer(string: #"{"id":"evt_r","type":"t"}"#), attempts: 2)
            _ = try await dashboard.redis.send(RedisCommand("ZADD", dashboard.keys.scheduled, "9999999999999", entry))
            let answer = try await dashboard.post("/retries/\(SHA1Hex.of(entry))/delete")
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(try await dashboard.count("ZCARD", dashboard.keys.scheduled) == 0, "expected no retry left")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 0, "expected nothing pending")
        }
    }

    @Test func assetsAreServedWithDarkModeAndNoInlineScriptNeeded() async throws {
        try await withDashboard { dashboard in
            let css = try await dashboard.get("/assets/dashboard.css")
            #expect(
                css.headers[.contentType]?.hasPrefix("text/css") == true, "expected text/css, saw \(css.headers[.contentType] ?? "none")")
            #expect(css.text.contains("prefers-color-scheme: dark"), "expected a dark-mode media query")
            let script = try await dashboard.get("/assets/dashboard.js")
            #expect(script.text.contains("/api/stats"), "expected the script to poll /api/stats")
            let page = try await dashboard.get("/").text
            #expect(!page.contains("<script>"), "expected no inline script in the page")
        }
    }
}
