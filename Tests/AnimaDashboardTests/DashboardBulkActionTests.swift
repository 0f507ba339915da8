import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard bulk replay and purge")
struct DashboardBulkActionTests {
    /// The hidden `count` and `digest` of the dry-run page.
    static func confirmFields(_ page: String) -> (count: String, digest: String)? {
        func value(_ name: String) -> String? {
            guard let range = page.range(of: #"name="\#(name)" value=""#) else { return nil }
            return String(page[range.upperBound...].prefix { $0 != "\"" })
        }
        guard let count = value("count"), let digest = value("digest") else { return nil }
        return (count, digest)
    }

    @Test func dryRunCountsOnlyTheFilteredSet() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a", type: "invoice.paid")
            try await dashboard.addDeadLetter(id: "evt_b", type: "invoice.paid")
            try await dashboard.addDeadLetter(id: "evt_c", type: "resource.created")
            let page = try await dashboard.get("/dead/replay-matching?type=invoice.paid").text
            #expect(
                Self.confirmFields(page)?.count == "2", "expected count 2 in the form, saw \(String(describing: Self.confirmFields(page)))")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 3, "expected the dry run to change nothing")
        }
    }

    @Test func bulkReplayReplaysExactlyTheFilteredSet() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a", type: "invoice.paid")
            try await dashboard.addDeadLetter(id: "evt_c", type: "resource.created")
            try await dashboard.addDeadLetter(id: "evt_b", type: "invoice.paid")
            let page = try await dashboard.get("/dead/replay-matching?type=invoice.paid").text
            let fields = try #require(Self.confirmFields(page), "expected count and digest in the dry-run form")
            let answer = try await dashboard.post(
                "/dead/replay-matching", form: [("type", "invoice.paid"), ("count", fields.count), ("digest", fields.digest)]
            )
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status): \(answer.text)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 2, "expected the 2 invoice.paid queued")
            let left = try await DeadLetterStore(keys: dashboard.keys, client: dashboard.redis).list(limit: 10).compactMap { $0.letter?.id }
            #expect(left == ["evt_c"], "expected only evt_c left, saw \(left)")
        }
    }

    @Test func bulkReplayRefusesWith409WhenTheSetChangedSinceTheCount() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a", type: "invoice.paid")
            let page = try await dashboard.get("/dead/replay-matching?type=invoice.paid").text
            let fields = try #require(Self.confirmFields(page), "expected count and digest in the dry-run form")
            try await dashboard.addDeadLetter(id: "evt_late", type: "invoice.paid")
            let answer = try await dashboard.post(
                "/dead/replay-matching", form: [("type", "invoice.paid"), ("count", fields.count), ("digest", fields.digest)]
            )
            #expect(answer.status == .conflict, "expected 409, saw \(answer.status)")
            #expect(answer.text.contains("changed since they were counted"), "expected the reason, saw \(answer.text)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 0, "expected nothing replayed")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 2, "expected both dead letters kept")
        }
    }

    @Test func bulkReplayRefusesASameSizedButDifferentSet() async throws {
        try await withDashboard { dashboard in
            let first = try await dashboard.addDeadLetter(id: "evt_a", type: "invoice.paid")
            let page = try await dashboard.get("/dead/replay-matching?type=invoice.paid").text
            let fields = try #require(Self.confirmFields(page), "expected count and digest in the dry-run form")
            _ = try await dashboard.post("/dead/\(first.deadID)/delete")
            try await dashboard.addDeadLetter(id: "evt_other", type: "invoice.paid")
            let answer = try await dashboard.post(
                "/dead/replay-matching", form: [("type", "invoice.paid"), ("count", fields.count), ("digest", fields.digest)]
            )
            #expect(answer.status == .conflict, "expected 409 for the same count but other entries, saw \(answer.status)")
        }
    }

    @Test func purgeWithoutTheConfirmationWordDeletesNothing() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a")
            let fields = try #require(Self.confirmFields(try await dashboard.get("/dead/purge").text), "expected a purge form")
            let answer = try await dashboard.post(
                "/dead/purge", form: [("count", fields.count), ("digest", fields.digest), ("confirm", "yes")])
            #expect(answer.status == .badRequest, "expected 400, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected the dead letter kept")
        }
    }

    @Test func purgeWithTheConfirmationWordDeletesTheFilteredSet() async throws {
        try await withDashboard { dashboard in
            try await dashboard.addDeadLetter(id: "evt_a", type: "invoice.paid")
            try await dashboard.addDeadLetter(id: "evt_b", type: "resource.created")
            let page = try await dashboard.get("/dead/purge?type=invoice.paid").text
            let fields = try #require(Self.confirmFields(page), "expected a purge form")
            let answer = try await dashboard.post(
                "/dead/purge", form: [("type", "invoice.paid"), ("count", fields.count), ("digest", fields.digest), ("confirm", "purge")]
            )
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status): \(answer.text)")
            let left = try await DeadLetterStore(keys: dashboard.keys, client: dashboard.redis).list(limit: 10).compactMap { $0.letter?.id }
            #expect(left == ["evt_b"], "expected only the other type left, saw \(left)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 0, "expected nothing queued by a purge")
        }
    }
}
