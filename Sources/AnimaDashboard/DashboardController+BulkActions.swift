import AnimaQueue
import AnimaRedis
import Foundation
import Hummingbird

extension DashboardController {
    /// The dry run shown before a bulk replay or a purge: the form carries the filter, the count
    /// and the digest of exactly this set.
    struct ConfirmPage {
        struct TypeCount {
            let type: String
            let count: Int
        }
        let purge: Bool
        let action: String
        let filterFields: [Field]
        let filterText: String
        let count: Int
        let digest: String
        let byType: [TypeCount]
        let firstIDs: [String]
        let alreadyDone: Int
        let truncated: Bool
        let scanned: Int
        let total: Int
        let backLink: String
        let hasMatches: Bool
        let hasDone: Bool
        let hasByType: Bool
        let hasIDs: Bool
        let word = DashboardController.purgeWord
    }

    /// What has to be typed to purge.
    static let purgeWord = "purge"

    func registerBulkActions(on router: some RouterMethods<DashboardRequestContext>) {
        router.get("/dead/replay-matching") { request, _ in try await confirmPage(request, purge: false) }
        router.get("/dead/purge") { request, _ in try await confirmPage(request, purge: true) }
        router.post("/dead/replay-matching") { request, _ in try await bulk(request, purge: false) }
        router.post("/dead/purge") { request, _ in try await bulk(request, purge: true) }
        router.post("/dead/selected") { request, _ in try await selected(request) }
    }

    func confirmPage(_ request: Request, purge: Bool) async throws -> Response {
        let query = FormData.query(request)
        let filter: DeadLetterQuery
        do { filter = try DeadLetterQuery(parameters: query.dictionary) } catch {
            return renderer.message(error.description, title: "Bad filter", status: .badRequest, back: "/dead")
        }
        let result = try await scan.run(filter)
        let ids = result.matches.compactMap { $0.letter?.id }
        let alreadyDone = try await doneCount(ids)
        let page = ConfirmPage(
            purge: purge, action: purge ? "/dead/purge" : "/dead/replay-matching",
            filterFields: filter.pairs.map { Field(name: $0.name, value: $0.value) }, filterText: Self.describe(filter),
            count: result.matches.count, digest: result.digest,
            byType: result.byType.map { ConfirmPage.TypeCount(type: $0.type, count: $0.count) },
            firstIDs: Array(ids.prefix(20)), alreadyDone: alreadyDone, truncated: result.truncated,
            scanned: result.scanned, total: result.total,
            backLink: renderer.basePath + FormData.link("/dead", filter.pairs),
            hasMatches: !result.matches.isEmpty, hasDone: alreadyDone > 0, hasByType: !result.byType.isEmpty, hasIDs: !ids.isEmpty
        )
        let title = purge ? "Purge dead letters" : "Replay dead letters"
        return renderer.html("dead-confirm", title: title, section: "dead", page: page)
    }

    static func describe(_ query: DeadLetterQuery) -> String {
        var parts: [String] = []
        if let type = query.type { parts.append("type \(type)") }
        if let error = query.errorContains { parts.append("error contains “\(error)”") }
        if let since = query.sinceText { parts.append("failed since \(since)") }
        return parts.isEmpty ? "every dead letter" : parts.joined(separator: ", ")
    }

    /// How many of `ids` already have a done mark (handled since they died).
    func doneCount(_ ids: [String]) async throws(RedisError) -> Int {
        var done = 0
        for chunk in stride(from: 0, to: ids.count, by: 1000).map({ ids[$0..<min($0 + 1000, ids.count)] }) {
            let replies = try await client.pipeline(chunk.map { RedisCommand("GET", keys.event(id: $0)) })
            done += replies.filter { $0.string == "done" }.count
        }
        return done
    }

    /// `POST /dead/replay-matching` and `/dead/purge`: recounts the filter's set and refuses
    /// (409) unless it is the one the form was shown; then acts on each entry of it.
    func bulk(_ request: Request, purge: Bool) async throws -> Response {
        let form = try await FormData.body(request)
        let filter: DeadLetterQuery
        do { filter = try DeadLetterQuery(parameters: form.dictionary) } catch {
            return renderer.message(error.description, title: "Bad filter", status: .badRequest, back: "/dead")
        }
        let confirmLink = FormData.link(purge ? "/dead/purge" : "/dead/replay-matching", filter.pairs)
        if purge && form["confirm"]?.trimmingCharacters(in: .whitespaces).lowercased() != Self.purgeWord {
            return renderer.message(
                "Type “\(Self.purgeWord)” to confirm; nothing was deleted.", title: "Not confirmed", status: .badRequest, back: confirmLink)
        }
        guard let expectedCount = form["count"].flatMap({ Int($0) }), let expectedDigest = form["digest"] else {
            return renderer.message("The form carries no count; count first.", title: "Count first", status: .badRequest, back: confirmLink)
        }
        let result = try await scan.run(filter)
        guard result.matches.count == expectedCount, result.digest == expectedDigest else {
            let text =
                "The dead letters matching \(Self.describe(filter)) changed since they were counted (\(expectedCount) then, \(result.matches.count) now); nothing was \(purge ? "deleted" : "replayed"). Count again."
            return renderer.message(text, title: "Changed since the count", status: .conflict, back: confirmLink)
        }
        var acted = 0
        for entry in result.matches.reversed() {  // oldest first, as `dlq replay --all`
            let done = try await purge ? deadLetters.delete(entry) : deadLetters.replay(entry)
            if done { acted += 1 }
        }
        let missed = result.matches.count - acted
        let verb = purge ? "Deleted" : "Replayed"
        return renderer.redirect(
            FormData.link("/dead", filter.pairs),
            notice: "\(verb) \(acted) dead letters" + (missed > 0 ? "; \(missed) had changed meanwhile." : "."))
    }

    /// `POST /dead/selected`: `action` (`replay` or `delete`) on the ticked `ids` (dead_ids).
    func selected(_ request: Request) async throws -> Response {
        let form = try await FormData.body(request)
        let ids = Set(form.all("ids").prefix(Self.maxPageSize))
        let back = FormData.link("/dead", (try? DeadLetterQuery(parameters: form.dictionary))?.pairs ?? [])
        guard let action = form["action"], ["replay", "delete"].contains(action), !ids.isEmpty else {
            return renderer.redirect(back, notice: "Tick some dead letters and choose replay or delete.")
        }
        let entries = try await scan.run(DeadLetterQuery()).matches.filter { $0.letter.map { ids.contains($0.deadID) } ?? false }
        var acted = 0
        for entry in entries.reversed() {
            let done = try await action == "replay" ? deadLetters.replay(entry) : deadLetters.delete(entry)
            if done { acted += 1 }
        }
        return renderer.redirect(
            back, notice: "\(action == "replay" ? "Replayed" : "Deleted") \(acted) of \(ids.count) selected dead letters.")
    }
}
