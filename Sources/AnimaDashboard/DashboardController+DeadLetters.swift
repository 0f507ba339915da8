import AnimaQueue
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

extension DashboardController {
    struct DeadRow {
        let deadID: String
        let id: String
        let type: String
        let attempts: Int
        let failedAt: String
        let error: String
    }

    struct DeadLettersPage {
        let type: String
        let error: String
        let since: String
        let size: Int
        let rows: [DeadRow]
        let from: Int
        let to: Int
        let matched: Int
        let scanned: Int
        let total: Int
        let truncated: Bool
        let filtered: Bool
        let previous: String?
        let next: String?
        let replayLink: String
        let purgeLink: String
        /// The filter as hidden fields, so an action returns to the same view.
        let filterFields: [Field]
        let hasRows: Bool
    }

    struct Field {
        let name: String
        let value: String
    }

    struct DeadLetterPage {
        let deadID: String
        let id: String?
        let type: String
        let attempts: Int
        let failedAt: String
        let worker: String
        let error: String
        let body: String
        let binary: Bool
        let commands: [String]
    }

    func registerDeadLetters(on router: some RouterMethods<DashboardRequestContext>) {
        router.get("/dead") { request, _ in try await deadLettersPage(request) }
        router.get("/dead/:id") { _, context in try await deadLetterPage(Self.parameter("id", context)) }
        router.post("/dead/:id/replay") { _, context in try await replayOne(Self.parameter("id", context)) }
        router.post("/dead/:id/delete") { _, context in try await deleteOne(Self.parameter("id", context)) }
    }

    func deadLettersPage(_ request: Request) async throws -> Response {
        let query = FormData.query(request)
        let filter: DeadLetterQuery
        do { filter = try DeadLetterQuery(parameters: query.dictionary) } catch {
            return renderer.message(error.description, title: "Bad filter", status: .badRequest, back: "/dead")
        }
        let size = Self.pageSize(query)
        let pageNumber = min(Self.pageNumber(query), max(1, configuration.scanLimit / size))
        let result = try await scan.run(filter, enough: pageNumber * size)
        let start = min((pageNumber - 1) * size, result.matches.count)
        let shown = result.matches[start..<min(start + size, result.matches.count)]
        let matched = filter.isEmpty ? result.total : result.matches.count
        func link(_ page: Int) -> String {
            renderer.basePath + FormData.link("/dead", filter.pairs + [("size", String(size)), ("page", String(page))])
        }
        let page = DeadLettersPage(
            type: filter.type ?? "", error: filter.errorContains ?? "", since: query["since"] ?? "", size: size,
            rows: shown.map(Self.row), from: shown.isEmpty ? 0 : start + 1, to: start + shown.count, matched: matched,
            scanned: result.scanned, total: result.total, truncated: !filter.isEmpty && result.truncated, filtered: !filter.isEmpty,
            previous: pageNumber > 1 ? link(pageNumber - 1) : nil,
            next: start + size < matched && pageNumber * size < configuration.scanLimit ? link(pageNumber + 1) : nil,
            replayLink: renderer.basePath + FormData.link("/dead/replay-matching", filter.pairs),
            purgeLink: renderer.basePath + FormData.link("/dead/purge", filter.pairs),
            filterFields: filter.pairs.map { Field(name: $0.name, value: $0.value) }, hasRows: !shown.isEmpty
        )
        return renderer.html("dead-letters", title: "Dead letters", section: "dead", page: page, notice: query["notice"])
    }

    static func row(_ entry: DeadLetterStore.Entry) -> DeadRow {
        guard let letter = entry.letter else {
            return DeadRow(deadID: "", id: "?", type: "?", attempts: 0, failedAt: "?", error: "(not a dead-letter object)")
        }
        let error = letter.error.count > 160 ? String(letter.error.prefix(159)) + "…" : letter.error
        return DeadRow(
            deadID: letter.deadID, id: letter.id ?? "-", type: letter.type ?? "-", attempts: letter.attempts, failedAt: letter.failedAt,
            error: error
        )
    }

    func deadLetterPage(_ id: String) async throws -> Response {
        guard let entry = try await scan.find(id), let letter = entry.letter else {
            return renderer.message("No dead letter with dead_id or event id \(id).", title: "Not found", status: .notFound, back: "/dead")
        }
        let page = DeadLetterPage(
            deadID: letter.deadID, id: letter.id, type: letter.type ?? "-", attempts: letter.attempts, failedAt: letter.failedAt,
            worker: letter.worker ?? "-", error: letter.error, body: Self.prettyJSON(letter.body) ?? letter.event,
            binary: letter.eventBase64 != nil,
            commands: [
                adminCommand("dlq", "show", letter.deadID), adminCommand("dlq", "replay", letter.deadID),
                adminCommand("dlq", "delete", letter.deadID),
            ] + (letter.id.map { [adminCommand("events", "show", $0)] } ?? [])
        )
        return renderer.html("dead-letter", title: "Dead letter \(letter.deadID)", section: "dead", page: page)
    }

    /// The body pretty-printed with sorted keys, or nil when it is not JSON.
    static func prettyJSON(_ data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return nil }
        return String(decoding: pretty, as: UTF8.self)
    }

    func replayOne(_ id: String) async throws -> Response {
        guard let entry = try await scan.find(id) else {
            return renderer.message("No dead letter with dead_id or event id \(id).", title: "Not found", status: .notFound, back: "/dead")
        }
        let done = try await deadLetters.replay(entry)
        return renderer.redirect(
            "/dead",
            notice: done
                ? "Replayed \(entry.letter?.deadID ?? id) (event \(entry.letter?.id ?? "-"))."
                : "\(id) changed meanwhile; nothing replayed.")
    }

    func deleteOne(_ id: String) async throws -> Response {
        guard let entry = try await scan.find(id) else {
            return renderer.message("No dead letter with dead_id or event id \(id).", title: "Not found", status: .notFound, back: "/dead")
        }
        let done = try await deadLetters.delete(entry)
        return renderer.redirect(
            "/dead", notice: done ? "Deleted \(entry.letter?.deadID ?? id)." : "\(id) changed meanwhile; nothing deleted.")
    }
}
