import AnimaQueue
import Foundation
import Hummingbird

/// Flow control per type on the overview: each limited or guarded type, and the forms that
/// set and clear a limit, set and clear a breaker, and reset one (POST, then a redirect).
extension DashboardController {
    /// One row of the overview's "Flow control" table.
    struct FlowRow {
        let type: String
        /// `concurrency 4, rate 50/s`, or `none`.
        let limit: String
        let hasLimit: Bool
        /// `closed`, `open, probe due … (in 25 s)`, `probing (…)`, or `none`.
        let breaker: String
        /// `closed`, `open`, `probing` or `none`: the CSS class of the breaker's cell.
        let breakerState: String
        let hasBreaker: Bool
        let running: Int
        let held: Int
    }

    /// The breaker form's pre-filled values: the contract's defaults.
    struct BreakerDefaults {
        let failureRate: String
        let minAttempts: String
        let window: String
        let cooldown: String

        init(_ settings: BreakerSettings = BreakerSettings()) {
            failureRate = String(format: "%g", settings.failureRate)
            minAttempts = String(settings.minAttempts)
            window = BreakerSettings.text(settings.window)
            cooldown = BreakerSettings.text(settings.cooldown)
        }
    }

    var flowControls: FlowControls { FlowControls(keys: keys, client: client) }

    func registerFlowControl(on router: some RouterMethods<DashboardRequestContext>) {
        router.post("/limit") { request, _ in try await setLimit(request) }
        router.post("/limit/clear") { request, _ in try await flowChange(request) { try await clearLimit($0) } }
        router.post("/breaker") { request, _ in try await setBreaker(request) }
        router.post("/breaker/clear") { request, _ in try await flowChange(request) { try await clearBreaker($0) } }
        router.post("/breaker/reset") { request, _ in try await flowChange(request) { try await resetBreaker($0) } }
    }

    /// The overview's rows, one per type with a limit or a breaker, sorted by type.
    func flowRows(now: Date) async throws -> [FlowRow] {
        try await flowControls.all().map { control in
            FlowRow(
                type: control.type,
                limit: control.limit?.summary ?? "none",
                hasLimit: control.limit != nil,
                breaker: control.breaker == nil ? "none" : control.state.text(now: now),
                breakerState: control.breaker == nil ? "none" : control.state.name,
                hasBreaker: control.breaker != nil,
                running: control.running,
                held: control.held
            )
        }
    }

    /// `POST /limit` with `type`, `concurrency`, `rate` (one or both).
    func setLimit(_ request: Request) async throws -> Response {
        let form = try await FormData.body(request)
        guard let type = Self.formType(form) else { return noType() }
        let limit: FlowLimit
        do { limit = try FlowLimit(concurrency: form["concurrency"], rate: form["rate"]) } catch {
            return renderer.message(Self.sentence(error), title: "Bad limit", status: .badRequest, back: "/")
        }
        try await flowControls.setLimit(limit, for: type)
        return renderer.redirect("/", notice: "Limit of \(type): \(limit.summary).")
    }

    /// `POST /breaker` with `type`, `failure_rate`, `min_attempts`, `window`, `cooldown`.
    func setBreaker(_ request: Request) async throws -> Response {
        let form = try await FormData.body(request)
        guard let type = Self.formType(form) else { return noType() }
        let settings: BreakerSettings
        do {
            settings = try BreakerSettings(
                failureRate: form["failure_rate"],
                minAttempts: form["min_attempts"],
                window: form["window"],
                cooldown: form["cooldown"]
            )
        } catch {
            return renderer.message(Self.sentence(error), title: "Bad breaker", status: .badRequest, back: "/")
        }
        try await flowControls.setBreaker(settings, for: type)
        return renderer.redirect("/", notice: "Breaker of \(type): \(settings.summary).")
    }

    /// Reads the type of a clear or reset form, runs `change`, redirects with its notice.
    private func flowChange(_ request: Request, _ change: (String) async throws -> String) async throws -> Response {
        guard let type = Self.formType(try await FormData.body(request)) else { return noType() }
        return renderer.redirect("/", notice: try await change(type))
    }

    private func clearLimit(_ type: String) async throws -> String {
        let (removed, released) = try await flowControls.clearLimit(of: type)
        return removed ? "Cleared the limit of \(type): \(released) held events queued again." : "\(type) had no limit."
    }

    private func clearBreaker(_ type: String) async throws -> String {
        let (removed, released) = try await flowControls.clearBreaker(of: type)
        return removed ? "Cleared the breaker of \(type): \(released) held events queued again." : "\(type) had no breaker."
    }

    private func resetBreaker(_ type: String) async throws -> String {
        try await flowControls.resetBreaker(of: type) ? "Closed the breaker of \(type)." : "\(type) has no breaker."
    }

    /// `Concurrency must be …, got '0'.`: the setting's error as a sentence.
    static func sentence(_ error: FlowSettingError) -> String {
        if error.code == .empty { return "Give a concurrency, a rate, or both." }
        let name = error.setting.replacingOccurrences(of: "-", with: " ")
        return name.prefix(1).uppercased() + name.dropFirst() + " must be \(error.expected), got '\(error.value)'."
    }
}
