import AnimaQueue
import AnimaRedis
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The pages, actions and JSON API of the dashboard, over the queue's data layer. Routes are
/// registered by ``register(on:)``; each feature lives in a `DashboardController+…` file.
struct DashboardController: Sendable {
    let configuration: DashboardConfiguration
    let keys: QueueKeys
    let client: RedisClient
    let renderer: DashboardRenderer

    var deadLetters: DeadLetterStore { DeadLetterStore(keys: keys, client: client) }
    var scan: DeadLetterScan { DeadLetterScan(store: deadLetters, scanLimit: configuration.scanLimit) }
    var retries: RetryStore { RetryStore(keys: keys, client: client) }
    var history: EventHistory { EventHistory(keys: keys, client: client) }
    var paused: PausedTypes { PausedTypes(keys: keys, client: client) }

    /// The most rows one page shows.
    static let maxPageSize = 100
    static let defaultPageSize = 50

    func register(on router: some RouterMethods<DashboardRequestContext>) {
        registerOverview(on: router)
        registerFlowControl(on: router)
        registerDeadLetters(on: router)
        registerBulkActions(on: router)
        registerRetries(on: router)
        registerEvents(on: router)
        registerAPI(on: router)
        registerAssets(on: router)
    }

    /// `anima-admin SUBCOMMAND …`, with `--key-prefix` when the prefix is not the default.
    func adminCommand(_ arguments: String...) -> String {
        var words = ["anima-admin"] + arguments.map(Self.shellQuoted)
        if keys.prefix != "anima" { words += ["--key-prefix", Self.shellQuoted(keys.prefix)] }
        return words.joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_.:/@".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The page size asked for in `size`, kept within 1…``maxPageSize``.
    static func pageSize(_ form: FormData) -> Int {
        min(maxPageSize, max(1, form["size"].flatMap { Int($0) } ?? defaultPageSize))
    }

    /// The 1-based page number asked for in `page`, at least 1.
    static func pageNumber(_ form: FormData) -> Int {
        max(1, min(1_000_000, form["page"].flatMap { Int($0) } ?? 1))
    }

    /// A path parameter, percent-decoded.
    static func parameter(_ name: String, _ context: DashboardRequestContext) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]))
            ?? Data("null".utf8)
        return json(data: data, status: status)
    }

    static func json(data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// `12 s`, `4 min`, `3 h`, `2 d`.
    static func age(seconds: Double) -> String {
        switch seconds {
        case ..<60: return String(format: "%.1f s", seconds)
        case ..<3600: return "\(Int(seconds / 60)) min"
        case ..<86400: return String(format: "%.1f h", seconds / 3600)
        default: return String(format: "%.1f d", seconds / 86400)
        }
    }
}
