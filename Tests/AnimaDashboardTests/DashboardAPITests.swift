import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard JSON API")
struct DashboardAPITests {
    static func object(_ response: TestResponse) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any]
    }

    @Test func statsIsTheObjectOfAdminStatsJSON() async throws {
        try await withDashboard { dashboard in
            _ = try await dashboard.redis.send(RedisCommand("LPUSH", dashboard.keys.events, #"{"id":"a"}"#))
            let answer = try await dashboard.get("/api/stats")
            let object = try #require(Self.object(answer), "expected a JSON object, saw \(answer.text)")
            for field in ["pending", "scheduled", "in_flight", "dead", "workers", "paused"] {
                #expect(object[field] != nil, "expected field \(field) in \(answer.text)")
            }
            #expect(object["pending"] as? Int == 1, "expected pending 1, saw \(object["pending"] ?? "nil")")
        }
    }

    @Test func deadListsMatchingObjectsNewestFirstWithinTheLimit() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_1", type: "a")
            try await dashboard.addDeadLetter(id: "evt_2", type: "b")
            try await dashboard.addDeadLetter(id: "evt_3", type: "a")
            try await dashboard.addDeadLetter(id: "evt_4", type: "a")
            let answer = try await dashboard.get("/api/dead?type=a&limit=2")
            let array = try #require(
                (try? JSONSerialization.jsonObject(with: Data(answer.text.utf8))) as? [[String: Any]],
                "expected an array, saw \(answer.text)")
            let ids = array.compactMap { $0["id"] as? String }
            #expect(ids == ["evt_4", "evt_3"], "expected [evt_4, evt_3], saw \(ids)")
        }
    }

    @Test func deadRefusesALimitOutOfRange() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.get("/api/dead?limit=100000")
            #expect(answer.status == .badRequest, "expected 400, saw \(answer.status)")
        }
    }

    @Test func deadRefusesASinceThatIsNoTime() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.get("/api/dead?since=yesterday")
            #expect(answer.status == .badRequest, "expected 400, saw \(answer.status)")
            #expect(answer.text.contains("'yesterday' is not a time"), "expected the value and the forms accepted, saw \(answer.text)")
        }
    }

    @Test func eventIsTheObjectOfEventsShowJSON() async throws {
        try await withDashboard { dashboard in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try await dashboard.record(
                HistoryRecord(eventID: "evt_e", type: "t", attempt: 1, result: .ok, durationMilliseconds: 12, worker: "w", at: now))
            _ = try await dashboard.redis.send(RedisCommand("SET", dashboard.keys.event(id: "evt_e"), "done"))
            let answer = try await dashboard.get("/api/events/evt_e")
            let object = try #require(Self.object(answer), "expected a JSON object, saw \(answer.text)")
            #expect(object["state"] as? String == "done", "expected state done, saw \(answer.text)")
            let attempts = object["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.first?["duration_ms"] as? Int == 12, "expected duration_ms 12, saw \(answer.text)")
        }
    }

    @Test func eventAnswers404WhenNothingIsKnown() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.get("/api/events/evt_none")
            #expect(answer.status == .notFound, "expected 404, saw \(answer.status)")
        }
    }

    @Test func replayByEventIDAnswersOkAndQueuesIt() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_r")
            let answer = try await dashboard.client.execute(uri: "/api/dead/evt_r/replay", method: .post)
            #expect(answer.status == .ok, "expected 200, saw \(answer.status)")
            #expect(answer.text == #"{"ok":true}"#, "expected {\"ok\":true}, saw \(answer.text)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 1, "expected the event queued")
        }
    }

    @Test func deleteByDeadIDAnswersOk() async throws {
        try await withDashboard { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_d")
            let answer = try await dashboard.client.execute(uri: "/api/dead/\(letter.deadID)/delete", method: .post)
            #expect(answer.status == .ok, "expected 200, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 0, "expected the dead letter deleted")
        }
    }

    @Test func replayOfAnUnknownIDAnswers404() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.client.execute(uri: "/api/dead/dl_nothing/replay", method: .post)
            #expect(answer.status == .notFound, "expected 404, saw \(answer.status)")
        }
    }
}
