import AnimaQueue
import Foundation
import Hummingbird

extension DashboardController {
    struct RetriesPage {
        struct Row {
            let key: String
            let id: String
            let type: String
            let attemptsMade: Int
            let due: String
            let dueIn: String
            let eventLink: String?
        }
        let rows: [Row]
        let total: Int
        let from: Int
        let to: Int
        let previous: String?
        let next: String?
        let hasRows: Bool
    }

    func registerRetries(on router: some RouterMethods<DashboardRequestContext>) {
        router.get("/retries") { request, _ in try await retriesPage(request) }
        router.post("/retries/:key/run") { _, context in try await retryAction(Self.parameter("key", context), run: true) }
        router.post("/retries/:key/delete") { _, context in try await retryAction(Self.parameter("key", context), run: false) }
    }

    func retriesPage(_ request: Request) async throws -> Response {
        let query = FormData.query(request)
        let size = Self.pageSize(query)
        let pageNumber = min(Self.pageNumber(query), max(1, configuration.scanLimit / size))
        let offset = (pageNumber - 1) * size
        let total = try await retries.count()
        let list = try await retries.list(offset: offset, limit: size)
        let now = Date().timeIntervalSince1970
        let rows = list.map { retry in
            let seconds = Double(retry.dueAt) / 1000 - now
            return RetriesPage.Row(
                key: retry.key, id: retry.eventID ?? "-", type: retry.type ?? "-", attemptsMade: retry.attemptsMade,
                due: EventStatus.iso(retry.dueAt), dueIn: seconds > 0 ? "in " + Self.age(seconds: seconds) : "due now",
                eventLink: retry.eventID.map { renderer.basePath + FormData.link("/events", [("id", $0)]) }
            )
        }
        func link(_ page: Int) -> String {
            renderer.basePath + FormData.link("/retries", [("size", String(size)), ("page", String(page))])
        }
        let page = RetriesPage(
            rows: rows, total: total, from: rows.isEmpty ? 0 : offset + 1, to: offset + rows.count,
            previous: pageNumber > 1 ? link(pageNumber - 1) : nil,
            next: offset + size < total && pageNumber * size < configuration.scanLimit ? link(pageNumber + 1) : nil,
            hasRows: !rows.isEmpty
        )
        return renderer.html("retries", title: "Retries waiting", section: "retries", page: page, notice: query["notice"])
    }

    /// `POST /retries/KEY/run` (move to pending now) and `/retries/KEY/delete`.
    func retryAction(_ key: String, run: Bool) async throws -> Response {
        guard let retry = try await retries.find(key: key, scanLimit: configuration.scanLimit) else {
            return renderer.message(
                "That retry is no longer waiting (it ran, or was deleted).", title: "Not found", status: .notFound, back: "/retries")
        }
        let done = try await run ? retries.runNow(retry) : retries.delete(retry)
        let what = retry.eventID ?? "the event"
        let notice = done ? (run ? "Moved \(what) to pending." : "Deleted the retry of \(what).") : "\(what) was no longer waiting."
        return renderer.redirect("/retries", notice: notice)
    }
}
