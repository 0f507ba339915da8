import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The overview's "Flow control": each type's limit, breaker state, running and held events,
/// and the forms that set, clear and reset them (POST, redirect; same rules as pause).
@Suite("Dashboard flow control")
struct DashboardFlowControlTests {
    /// Opens the breaker of `type` with its probe due in an hour, as a worker does.
    static func openBreaker(_ type: String, _ dashboard: Dashboard) async throws {
        try await FlowControls(keys: dashboard.keys, client: dashboard.redis).setBreaker(BreakerSettings(), for: type)
        let until = String(Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)
        _ = try await dashboard.redis.send(RedisCommand("HSET", dashboard.keys.breakerState(type: type), "state", "open", "until", until))
    }

    static func hold(_ ids: [String], of type: String, _ dashboard: Dashboard) async throws {
        for id in ids {
            _ = try await dashboard.redis.send(
                RedisCommand("LPUSH", dashboard.keys.held(type: type), #"{"id":"\#(id)","type":"\#(type)"}"#)
            )
        }
    }

    @Test func overviewListsEachTypeWithItsLimitBreakerStateAndHeldEvents() async throws {
        try await withDashboard { dashboard in
            let controls = FlowControls(keys: dashboard.keys, client: dashboard.redis)
            try await controls.setLimit(FlowLimit(concurrency: 4, rate: FlowLimit.Rate("50/s")), for: "crm.sync")
            try await Self.openBreaker("mail.send", dashboard)
            try await Self.hold(["e1", "e2"], of: "mail.send", dashboard)
            let text = try await dashboard.get("/").text
            let rows = [
                "<tr><td><code>crm.sync</code></td><td>concurrency 4, rate 50/s</td><td><span class=\"breaker breaker-none\">none</span></td><td>0</td><td>0</td>",
                "<tr><td><code>mail.send</code></td><td>none</td><td><span class=\"breaker breaker-open\">open, probe due",
            ]
            for row in rows { #expect(text.contains(row), "expected the row \(row) in: \(Self.section(text))") }
            #expect(text.contains(#"id="stat-held-back">2<"#), "expected 2 held back in the cards")
        }
    }

    @Test func breakerFormIsPreFilledWithTheDefaults() async throws {
        try await withDashboard { dashboard in
            let text = try await dashboard.get("/").text
            for field in [
                #"name="failure_rate" value="0.5""#, #"name="min_attempts" value="20""#, #"name="window" value="60s""#,
                #"name="cooldown" value="30s""#,
            ] {
                #expect(text.contains(field), "expected \(field) in the breaker form")
            }
        }
    }

    @Test func limitFormSetsTheLimitAndRedirects() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.post("/limit", form: [("type", "crm.sync"), ("concurrency", "2"), ("rate", "10/m")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(answer.location.hasPrefix("/?notice="), "expected a redirect to the overview, saw \(answer.location)")
            let limit = try await FlowControls(keys: dashboard.keys, client: dashboard.redis).all().first?.limit
            #expect(
                limit == FlowLimit(concurrency: 2, rate: FlowLimit.Rate("10/m")),
                "expected concurrency 2, rate 10/m, saw \(String(describing: limit))"
            )
        }
    }

    @Test(arguments: [
        [("type", "crm.sync"), ("rate", "fifty")], [("type", "crm.sync"), ("concurrency", "0")], [("type", "crm.sync")],
        [("concurrency", "2")],
    ])
    func aBadLimitIsAnswered400AndChangesNothing(_ form: [(String, String)]) async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.post("/limit", form: form)
            #expect(answer.status == .badRequest, "expected 400 for \(form), saw \(answer.status)")
            #expect(try await dashboard.count("HLEN", dashboard.keys.limits) == 0, "expected no limit stored")
        }
    }

    @Test func clearLimitFormRemovesItAndQueuesTheHeldEventsAgain() async throws {
        try await withDashboard { dashboard in
            try await FlowControls(keys: dashboard.keys, client: dashboard.redis).setLimit(FlowLimit(concurrency: 1), for: "crm.sync")
            try await Self.hold(["e1", "e2"], of: "crm.sync", dashboard)
            let answer = try await dashboard.post("/limit/clear", form: [("type", "crm.sync")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(answer.location.removingPercentEncoding?.contains("2 held events queued again") == true, "saw \(answer.location)")
            #expect(try await dashboard.count("HLEN", dashboard.keys.limits) == 0, "expected the limit removed")
            #expect(try await dashboard.count("LLEN", dashboard.keys.events) == 2, "expected both held events pending")
        }
    }

    @Test func breakerFormSetsTheBreakerAndRedirects() async throws {
        try await withDashboard { dashboard in
            let form = [("type", "crm.sync"), ("failure_rate", "0.3"), ("min_attempts", "10"), ("window", "2m"), ("cooldown", "45s")]
            let answer = try await dashboard.post("/breaker", form: form)
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            let breaker = try await FlowControls(keys: dashboard.keys, client: dashboard.redis).all().first?.breaker
            let expected = BreakerSettings(failureRate: 0.3, minAttempts: 10, window: .seconds(120), cooldown: .seconds(45))
            #expect(breaker == expected, "expected \(expected), saw \(String(describing: breaker))")
        }
    }

    @Test func aBadBreakerIsAnswered400WithTheReasonAndChangesNothing() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.post("/breaker", form: [("type", "crm.sync"), ("failure_rate", "2")])
            #expect(answer.status == .badRequest, "expected 400, saw \(answer.status)")
            #expect(answer.text.contains("Failure rate must be a share above 0 and at most 1"), "expected the reason, saw \(answer.text)")
            #expect(try await dashboard.count("HLEN", dashboard.keys.breakers) == 0, "expected no breaker stored")
        }
    }

    @Test func resetBreakerFormClosesIt() async throws {
        try await withDashboard { dashboard in
            try await Self.openBreaker("mail.send", dashboard)
            let answer = try await dashboard.post("/breaker/reset", form: [("type", "mail.send")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            let state = try await FlowControls(keys: dashboard.keys, client: dashboard.redis).all().first?.state
            #expect(state == .closed, "expected closed, saw \(String(describing: state))")
        }
    }

    @Test func clearBreakerFormRemovesIt() async throws {
        try await withDashboard { dashboard in
            try await Self.openBreaker("mail.send", dashboard)
            let answer = try await dashboard.post("/breaker/clear", form: [("type", "mail.send")])
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(try await dashboard.count("HLEN", dashboard.keys.breakers) == 0, "expected no breaker left")
            #expect(try await dashboard.count("EXISTS", dashboard.keys.breakerState(type: "mail.send")) == 0, "expected its state gone")
        }
    }

    @Test func readOnlyRefusesEveryFlowChangeWith403AndShowsNoControl() async throws {
        try await withDashboard(readOnly: true) { dashboard in
            try await Self.openBreaker("mail.send", dashboard)
            let form = [("type", "mail.send"), ("concurrency", "1")]
            for path in ["/limit", "/limit/clear", "/breaker", "/breaker/clear", "/breaker/reset"] {
                let answer = try await dashboard.post(path, form: form)
                #expect(answer.status == .forbidden, "expected 403 for \(path), saw \(answer.status)")
            }
            #expect(try await dashboard.count("HLEN", dashboard.keys.limits) == 0, "expected no limit stored")
            #expect(try await dashboard.count("HLEN", dashboard.keys.breakers) == 1, "expected the breaker kept")
            let text = try await dashboard.get("/").text
            for control in ["action=\"/limit", "action=\"/breaker"] {
                #expect(!text.contains(control), "expected no \(control) form in read-only mode")
            }
            #expect(text.contains("<code>mail.send</code>"), "expected the type still listed")
        }
    }

    @Test func aLimitFromAnotherOriginIsRefusedAndChangesNothing() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.post(
                "/limit",
                form: [("type", "t"), ("concurrency", "1")],
                headers: [.origin: "https://evil.example"]
            )
            #expect(answer.status == .forbidden, "expected 403, saw \(answer.status)")
            #expect(try await dashboard.count("HLEN", dashboard.keys.limits) == 0, "expected no limit stored")
        }
    }

    @Test func aTypeIsHTMLEscaped() async throws {
        try await withDashboard { dashboard in
            try await FlowControls(keys: dashboard.keys, client: dashboard.redis).setLimit(FlowLimit(concurrency: 1), for: "<b>x</b>")
            let text = try await dashboard.get("/").text
            #expect(!text.contains("<b>x</b>"), "expected the type escaped")
            #expect(text.contains("&lt;b&gt;x&lt;/b&gt;"), "expected the escaped type listed")
        }
    }

    @Test func apiStatsHasLimitedOpenBreakersAndHeldBack() async throws {
        try await withDashboard { dashboard in
            try await FlowControls(keys: dashboard.keys, client: dashboard.redis).setLimit(FlowLimit(concurrency: 1), for: "crm.sync")
            try await Self.openBreaker("mail.send", dashboard)
            try await Self.hold(["e1"], of: "mail.send", dashboard)
            let stats = try #require(
                try JSONSerialization.jsonObject(with: Data(try await dashboard.get("/api/stats").text.utf8)) as? [String: Any]
            )
            let seen = "\(stats["limited"] ?? "missing") \(stats["open_breakers"] ?? "missing") \(stats["held_back"] ?? "missing")"
            #expect(stats["limited"] as? [String] == ["crm.sync"] && stats["open_breakers"] as? [String] == ["mail.send"], "saw \(seen)")
            #expect(stats["held_back"] as? Int == 1, "expected held_back 1, saw \(seen)")
        }
    }

    @Test func aHeldEventIsShownHeldByTheBreakerOnTheAPIAndItsPage() async throws {
        try await withDashboard { dashboard in
            try await Self.openBreaker("mail.send", dashboard)
            try await Self.hold(["evt_held"], of: "mail.send", dashboard)
            let api = try #require(
                try JSONSerialization.jsonObject(with: Data(try await dashboard.get("/api/events/evt_held").text.utf8)) as? [String: Any]
            )
            let seen = "\(api["state"] ?? "none") \(api["held_by"] ?? "none") \(api["type"] ?? "none")"
            #expect(seen == "held breaker mail.send", "expected held by the breaker of mail.send, saw \(seen)")
            let page = try await dashboard.get("/events/evt_held").text
            #expect(
                page.contains(#"<span id="event-held-by">held back: the breaker of mail.send is open</span>"#),
                "expected the reason on the page"
            )
        }
    }

    @Test func aHeldEventOfAClosedBreakerWithALimitIsHeldByTheLimit() async throws {
        try await withDashboard { dashboard in
            try await FlowControls(keys: dashboard.keys, client: dashboard.redis).setLimit(FlowLimit(concurrency: 1), for: "crm.sync")
            try await Self.hold(["evt_held"], of: "crm.sync", dashboard)
            let api = try #require(
                try JSONSerialization.jsonObject(with: Data(try await dashboard.get("/api/events/evt_held").text.utf8)) as? [String: Any]
            )
            #expect(api["held_by"] as? String == "limit", "expected held_by limit, saw \(api)")
        }
    }

    /// The "Flow control" part of a page, for failure messages.
    static func section(_ text: String) -> Substring {
        guard let start = text.range(of: "<h2>Flow control</h2>") else { return text.prefix(2000) }
        return text[start.lowerBound...].prefix(3000)
    }
}
