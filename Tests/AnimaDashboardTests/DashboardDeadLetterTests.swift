import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard dead letters")
struct DashboardDeadLetterTests {
    @Test func listFiltersByType() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a", type: "invoice.paid")
            try await dashboard.addDeadLetter(id: "evt_b", type: "resource.created")
            let text = try await dashboard.get("/dead?type=invoice.paid").text
            #expect(text.contains("evt_a"), "expected evt_a listed")
            #expect(!text.contains("evt_b"), "expected evt_b filtered out")
        }
    }

    @Test func listFiltersByErrorTextIgnoringCase() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a", error: "Connection REFUSED by upstream")
            try await dashboard.addDeadLetter(id: "evt_b", error: "handler exited 2")
            let text = try await dashboard.get("/dead?error=refused").text
            #expect(text.contains("evt_a"), "expected evt_a listed")
            #expect(!text.contains("evt_b"), "expected evt_b filtered out")
        }
    }

    @Test func listFiltersByFailureTime() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_old", failedAt: Date().addingTimeInterval(-7200))
            try await dashboard.addDeadLetter(id: "evt_new")
            let text = try await dashboard.get("/dead?since=1h").text
            #expect(text.contains("evt_new"), "expected evt_new listed")
            #expect(!text.contains("evt_old"), "expected evt_old (2 h ago) filtered out")
        }
    }

    @Test func listPageSizeIsBounded() async throws {
        try await withDashboard { dashboard in
            for index in 0..<3 { try await dashboard.addDeadLetter(id: "evt_\(index)") }
            let text = try await dashboard.get("/dead?size=100000").text
            #expect(text.contains(#"value="100""#), "expected the page size cut to 100")
            let small = try await dashboard.get("/dead?size=2").text
            #expect(small.contains("Showing 1–2 of 3"), "expected 2 of 3 shown, saw: \(small)")
        }
    }

    @Test func entryPageShowsABodyWithScriptAndQuotesEscaped() async throws {
        try await withDashboard { dashboard in
            let body = #"{"id":"evt_x","type":"t","data":{"note":"<script>alert('x')</script> \"quoted\""}}"#
            let letter = try await dashboard.addDeadLetter(id: "evt_x", body: body, error: #"<img src=x onerror="alert(1)">"#)
            let text = try await dashboard.get("/dead/\(letter.deadID)").text
            #expect(!text.contains("<script>alert"), "expected no raw <script> from the body")
            #expect(!text.contains("<img src=x"), "expected no raw <img> from the error")
            #expect(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "expected the script escaped, saw: \(text)")
            #expect(text.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"), "expected the error escaped")
        }
    }

    @Test func entryPageShowsPrettyJSONAndTheAdminCommand() async throws {
        try await withDashboard { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_p", body: #"{"type":"t","id":"evt_p","data":{"n":1}}"#)
            let text = try await dashboard.get("/dead/\(letter.deadID)").text
            #expect(text.contains("\n  &quot;id&quot;"), "expected pretty-printed JSON (one key per indented line), saw: \(text)")
            #expect(text.contains("anima-admin dlq replay \(letter.deadID) --key-prefix dash"), "expected the replay command")
        }
    }

    @Test func entryPageFindsByEventIDAndAnswers404WhenUnknown() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_q")
            #expect(try await dashboard.get("/dead/evt_q").status == .ok, "expected the entry found by its event id")
            let missing = try await dashboard.get("/dead/dl_missing")
            #expect(missing.status == .notFound, "expected 404, saw \(missing.status)")
        }
    }

    @Test func replayQueuesTheEventAndRedirects() async throws {
        try await withDashboard { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_r")
            let answer = try await dashboard.post("/dead/\(letter.deadID)/replay")
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(answer.location.hasPrefix("/dead?notice="), "expected a redirect to the list, saw \(answer.location)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 0, "expected no dead letter left")
            let pending = try await dashboard.redis.send(RedisCommand("LINDEX", dashboard.keys.events, 0)).string
            #expect(pending == letter.event, "expected the raw body queued, saw \(pending ?? "nil")")
        }
    }

    @Test func deleteRemovesOnlyThatEntry() async throws {
        try await withDashboard { dashboard in
            let gone = try await dashboard.addDeadLetter(id: "evt_gone")
            try await dashboard.addDeadLetter(id: "evt_kept")
            let answer = try await dashboard.post("/dead/\(gone.deadID)/delete")
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected one dead letter left")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 0, "expected nothing queued")
        }
    }

    @Test func selectedReplayReplaysOnlyTheTickedEntries() async throws {
        try await withDashboard { dashboard in
            let first = try await dashboard.addDeadLetter(id: "evt_1")
            try await dashboard.addDeadLetter(id: "evt_2")
            let third = try await dashboard.addDeadLetter(id: "evt_3")
            let answer = try await dashboard.post(
                "/dead/selected", form: [("ids", first.deadID), ("ids", third.deadID), ("action", "replay")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 2, "expected 2 queued")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected evt_2 left")
        }
    }
}
