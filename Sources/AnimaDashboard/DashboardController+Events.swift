import AnimaQueue
import Foundation
import Hummingbird

extension DashboardController {
    struct EventPage {
        struct Attempt {
            let attempt: Int
            let result: String
            let failed: Bool
            let duration: String
            let worker: String
            let at: String
            let error: String?
        }
        let id: String
        let searched: Bool
        let known: Bool
        let state: String
        let due: String?
        /// A waiting event's order key and the event it waits behind.
        var orderKey: String? = nil
        var waitingBehind: String? = nil
        var waitingBehindLink: String? = nil
        /// A held event's reason: `held back by the limit of T`, `held back: the breaker of T is open`.
        var heldBy: String? = nil
        let type: String?
        let receivedAt: String?
        let sentAt: String?
        let attempts: [Attempt]
        let deadLink: String?
        let command: String
    }

    func registerEvents(on router: some RouterMethods<DashboardRequestContext>) {
        router.get("/events") { request, _ in
            let id = FormData.query(request)["id"]?.trimmingCharacters(in: .whitespaces) ?? ""
            return try await eventPage(id)
        }
        router.get("/events/:id") { _, context in try await eventPage(Self.parameter("id", context)) }
    }

    func eventPage(_ id: String) async throws -> Response {
        guard !id.isEmpty else {
            let page = EventPage(
                id: "", searched: false, known: false, state: "", due: nil, type: nil, receivedAt: nil, sentAt: nil, attempts: [],
                deadLink: nil, command: ""
            )
            return renderer.html("event", title: "Find an event", section: "events", page: page)
        }
        guard id.utf8.count <= 512 else {
            return renderer.message("An event id is at most 512 bytes.", title: "Bad id", status: .badRequest, back: "/events")
        }
        let status = try await history.status(of: id)
        let first = status.attempts.first
        var page = EventPage(
            id: id, searched: true, known: status.isKnown, state: status.state.rawValue, due: status.dueAt.map(EventStatus.iso),
            type: first?.type, receivedAt: first?.receivedAt.map(EventStatus.iso), sentAt: first?.sentAt.map { EventStatus.iso($0 * 1000) },
            attempts: status.attempts.map { record in
                EventPage.Attempt(
                    attempt: record.attempt, result: record.result.rawValue, failed: record.result == .retry || record.result == .dead,
                    duration: record.durationMilliseconds.map { "\($0) ms" } ?? "-", worker: record.worker, at: EventStatus.iso(record.at),
                    error: record.error
                )
            },
            deadLink: status.state == .dead ? renderer.basePath + "/dead/" + FormData.encode(id) : nil,
            command: adminCommand("events", "show", id)
        )
        page.orderKey = status.waitingFor?.key
        page.waitingBehind = status.waitingFor?.behind
        page.heldBy = status.heldReason
        page.waitingBehindLink = status.waitingFor?.behind.map { renderer.basePath + "/events/" + FormData.encode($0) }
        return renderer.html("event", title: "Event \(id)", section: "events", page: page, status: status.isKnown ? .ok : .notFound)
    }
}
