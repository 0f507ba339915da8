import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard security")
struct DashboardSecurityTests {
    static func basic(_ user: String, _ password: String) -> HTTPFields {
        [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    @Test func noCredentialsAreAnswered401WithABasicChallenge() async throws {
        try await withDashboard(password: "s3cret") { dashboard in
            let answer = try await dashboard.client.execute(uri: "/", method: .get)
            #expect(answer.status == .unauthorized, "expected 401, saw \(answer.status)")
            #expect(
                answer.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true,
                "expected WWW-Authenticate: Basic, saw \(answer.headers[.wwwAuthenticate] ?? "none")")
        }
    }

    @Test func aWrongPasswordIsAnswered401() async throws {
        try await withDashboard(password: "s3cret") { dashboard in
            let answer = try await dashboard.client.execute(uri: "/api/stats", method: .get, headers: Self.basic("admin", "s3creT"))
            #expect(answer.status == .unauthorized, "expected 401, saw \(answer.status)")
        }
    }

    @Test func aWrongUserIsAnswered401() async throws {
        try await withDashboard(password: "s3cret") { dashboard in
            let answer = try await dashboard.client.execute(uri: "/", method: .get, headers: Self.basic("root", "s3cret"))
            #expect(answer.status == .unauthorized, "expected 401, saw \(answer.status)")
        }
    }

    @Test func theRightCredentialsAreLetIn() async throws {
        try await withDashboard(password: "s3cret") { dashboard in
            let answer = try await dashboard.client.execute(uri: "/", method: .get, headers: Self.basic("admin", "s3cret"))
            #expect(answer.status == .ok, "expected 200, saw \(answer.status)")
        }
    }

    @Test func aPostWithoutCredentialsChangesNothing() async throws {
        try await withDashboard(password: "s3cret") { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            let answer = try await dashboard.client.execute(uri: "/dead/\(letter.deadID)/delete", method: .post)
            #expect(answer.status == .unauthorized, "expected 401, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected the dead letter kept")
        }
    }

    @Test func readOnlyRefusesEveryChangeWith403() async throws {
        try await withDashboard(readOnly: true) { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            for path in ["/dead/\(letter.deadID)/replay", "/dead/\(letter.deadID)/delete", "/api/dead/evt_a/replay", "/pause"] {
                let answer = try await dashboard.post(path, form: [("type", "t")])
                #expect(answer.status == .forbidden, "expected 403 for \(path), saw \(answer.status)")
            }
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected the dead letter kept")
            #expect(try await dashboard.count("SCARD", dashboard.keys.paused) == 0, "expected nothing paused")
        }
    }

    @Test func readOnlyPagesShowNoControls() async throws {
        try await withDashboard(readOnly: true) { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            for path in ["/", "/dead", "/dead/\(letter.deadID)", "/dead/replay-matching", "/retries"] {
                let text = try await dashboard.get(path).text
                let controls = ["<button type=\"submit\" formaction", "id=\"replay-one\"", "action=\"/pause\"", "id=\"confirm-form\""]
                for control in controls {
                    #expect(!text.contains(control), "expected no \(control) on \(path) in read-only mode")
                }
            }
        }
    }

    @Test func aPostFromAnotherOriginIsRefusedAndChangesNothing() async throws {
        try await withDashboard { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            let answer = try await dashboard.post("/dead/\(letter.deadID)/delete", headers: [.origin: "https://evil.example"])
            #expect(answer.status == .forbidden, "expected 403, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected the dead letter kept")
        }
    }

    @Test func aPostMarkedCrossSiteIsRefusedAndChangesNothing() async throws {
        try await withDashboard { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            let answer = try await dashboard.post(
                "/dead/\(letter.deadID)/delete", headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(answer.status == .forbidden, "expected 403, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 1, "expected the dead letter kept")
        }
    }

    @Test func aPostFromTheSameOriginIsAllowed() async throws {
        try await withDashboard { dashboard in
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            let headers: HTTPFields = [.origin: "http://localhost", HTTPField.Name("Sec-Fetch-Site")!: "same-origin"]
            let answer = try await dashboard.post("/dead/\(letter.deadID)/delete", headers: headers)
            #expect(answer.status == .seeOther, "expected 303, saw \(answer.status)")
            #expect(try await dashboard.count("LLEN", dashboard.keys.dead) == 0, "expected the dead letter deleted")
        }
    }

    @Test func htmlAnswersCarryAPolicyWithoutInlineScriptNosniffAndNoStore() async throws {
        try await withDashboard { dashboard in
            let answer = try await dashboard.get("/dead")
            let policy = answer.headers[.contentSecurityPolicy] ?? ""
            #expect(
                policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "expected script-src 'self' only, saw \(policy)")
            #expect(policy.contains("frame-ancestors 'none'"), "expected frame-ancestors 'none', saw \(policy)")
            #expect(answer.headers[.xContentTypeOptions] == "nosniff", "expected nosniff")
            #expect(
                answer.headers[.cacheControl] == "private, no-store",
                "expected private, no-store, saw \(answer.headers[.cacheControl] ?? "none")")
        }
    }

    @Test func theBasePathPrefixesRoutesAndLinks() async throws {
        try await withDashboard(basePath: "/ops/anima/") { dashboard in
            let page = try await dashboard.get("/ops/anima/dead")
            #expect(page.status == .ok, "expected 200 under the base path, saw \(page.status)")
            #expect(page.text.contains(#"href="/ops/anima/assets/dashboard.css""#), "expected prefixed asset links")
            #expect(page.text.contains(#"action="/ops/anima/events""#), "expected a prefixed search form")
            let bare = try await dashboard.get("/dead")
            #expect(bare.status == .notFound, "expected 404 outside the base path, saw \(bare.status)")
            let letter = try await dashboard.addDeadLetter(id: "evt_a")
            let answer = try await dashboard.post("/ops/anima/dead/\(letter.deadID)/replay")
            #expect(answer.location.hasPrefix("/ops/anima/dead"), "expected a prefixed redirect, saw \(answer.location)")
        }
    }
}
