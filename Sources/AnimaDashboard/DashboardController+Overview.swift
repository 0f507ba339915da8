import AnimaQueue
import Foundation
import Hummingbird

extension DashboardController {
    struct OverviewPage {
        struct Worker {
            let id: String
            let heartbeat: String
            let inFlight: Int
            let concurrency: String
            let pid: String
        }
        struct Paused {
            let type: String
            let parked: Int
        }
        let pending: Int
        let scheduled: Int
        let inFlight: Int
        let dead: Int
        let workerCount: Int
        let pausedEvents: Int
        /// Events held behind an earlier event of their order key.
        let orderedWaiting: Int
        let workers: [Worker]
        let paused: [Paused]
        let bars: [ThroughputChart.Bar]
        let chartWidth = ThroughputChart.width
        let chartHeight = ThroughputChart.height
        let handledTotal: Int
        let failedTotal: Int
        let chartTruncated: Bool
        let oldestPendingAge: String?
        /// Events held back by a limit or a breaker, and each flow-controlled type.
        var heldBack = 0
        var flow: [FlowRow] = []
        var breakerDefaults = BreakerDefaults()
    }

    func registerOverview(on router: some RouterMethods<DashboardRequestContext>) {
        router.get("/") { request, _ in try await overviewPage(request) }
        router.post("/pause") { request, _ in try await pause(request, resume: false) }
        router.post("/resume") { request, _ in try await pause(request, resume: true) }
    }

    func overviewPage(_ request: Request) async throws -> Response {
        let overview = try await Overview.read(keys: keys, client: client, now: Date())
        let parked = try await paused.parked()
        let stats = overview.stats
        var page = OverviewPage(
            pending: stats.pending, scheduled: stats.scheduled, inFlight: stats.inFlight, dead: stats.dead,
            workerCount: stats.workers, pausedEvents: stats.pausedEvents, orderedWaiting: stats.orderedWaiting,
            workers: stats.workerList.map { worker in
                OverviewPage.Worker(
                    id: worker.id, heartbeat: worker.heartbeatAgeSeconds.map { Self.age(seconds: $0) } ?? "?", inFlight: worker.inFlight,
                    concurrency: worker.concurrency.map(String.init) ?? "?", pid: worker.pid.map(String.init) ?? "?"
                )
            },
            paused: stats.paused.map { OverviewPage.Paused(type: $0, parked: parked[$0] ?? 0) },
            bars: overview.chart.bars, handledTotal: overview.chart.handledTotal, failedTotal: overview.chart.failedTotal,
            chartTruncated: overview.chart.truncated,
            oldestPendingAge: overview.oldestPendingAgeSeconds.map { Self.age(seconds: $0) }
        )
        page.heldBack = stats.heldBack
        page.flow = try await flowRows(now: Date())
        return renderer.html("overview", title: "Overview", section: "overview", page: page, notice: FormData.query(request)["notice"])
    }

    /// `POST /pause` and `/resume` with `type`.
    func pause(_ request: Request, resume: Bool) async throws -> Response {
        guard let type = Self.formType(try await FormData.body(request)) else { return noType() }
        if resume {
            let (wasPaused, released) = try await paused.resume(type)
            return renderer.redirect(
                "/", notice: wasPaused ? "Resumed \(type): \(released) waiting events queued again." : "\(type) was not paused.")
        }
        let added = try await paused.pause(type)
        return renderer.redirect("/", notice: added ? "Paused \(type)." : "\(type) was already paused.")
    }

    /// The form's `type`, trimmed: 1 to 200 bytes, else nil.
    static func formType(_ form: FormData) -> String? {
        guard let type = form["type"]?.trimmingCharacters(in: .whitespaces), !type.isEmpty, type.utf8.count <= 200 else { return nil }
        return type
    }

    /// The answer to a change without a usable type.
    func noType() -> Response {
        renderer.message("Give an event type (at most 200 bytes).", title: "No type", status: .badRequest, back: "/")
    }
}
