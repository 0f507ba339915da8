import AnimaQueue
import AnimaRedis
import Foundation

/// Events handled and failed per minute over the last hour, read from the history stream
/// (`XREVRANGE` bounded below by the hour's start and by ``recordLimit``), drawn as SVG bars.
struct ThroughputChart: Sendable {
    /// One minute: `handled` outcomes `ok`, `failed` outcomes `retry` and `dead`.
    struct Minute: Sendable {
        let start: Int64
        var handled = 0
        var failed = 0
    }

    /// One SVG rectangle, in the chart's own coordinates.
    struct Bar: Sendable {
        let x: Int
        let y: Int
        let width: Int
        let height: Int
        let kind: String
        let label: String
    }

    static let minutes = 60
    static let recordLimit = 100_000
    static let width = 600
    static let height = 120

    let buckets: [Minute]
    /// True when the hour held more outcomes than were read.
    let truncated: Bool

    var handledTotal: Int { buckets.reduce(0) { $0 + $1.handled } }
    var failedTotal: Int { buckets.reduce(0) { $0 + $1.failed } }

    static func read(keys: QueueKeys, client: RedisClient, now: Date) async throws(RedisError) -> ThroughputChart {
        let nowMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
        let firstMinute = (nowMilliseconds / 60_000 - Int64(minutes - 1)) * 60_000
        var buckets = (0..<minutes).map { Minute(start: firstMinute + Int64($0) * 60_000) }
        var end = "+"
        var read = 0
        var truncated = false
        while true {
            let page = try await client.send(RedisCommand("XREVRANGE", keys.history, end, String(firstMinute), "COUNT", 2000)).array ?? []
            for entry in page {
                guard let parts = entry.array, parts.count == 2, let fields = parts[1].array, let record = HistoryRecord(fields: fields)
                else { continue }
                let index = Int((record.at - firstMinute) / 60_000)
                guard buckets.indices.contains(index) else { continue }
                switch record.result {
                case .ok: buckets[index].handled += 1
                case .retry, .dead: buckets[index].failed += 1
                default: break
                }
            }
            read += page.count
            guard page.count == 2000, let last = page.last?.array?.first?.string else { break }
            if read >= recordLimit {
                truncated = true
                break
            }
            end = "(" + last
        }
        return ThroughputChart(buckets: buckets, truncated: truncated)
    }

    /// Two bars per minute side by side (handled, failed), scaled to the busiest minute.
    var bars: [Bar] {
        let peak = max(1, buckets.map { max($0.handled, $0.failed) }.max() ?? 1)
        let slot = Self.width / Self.minutes
        var bars: [Bar] = []
        for (index, minute) in buckets.enumerated() {
            let time = Date(timeIntervalSince1970: Double(minute.start) / 1000).formatted(.iso8601)
            for (offset, value, kind) in [(0, minute.handled, "handled"), (1, minute.failed, "failed")] where value > 0 {
                let height = max(1, value * (Self.height - 10) / peak)
                bars.append(
                    Bar(
                        x: index * slot + offset * (slot / 2), y: Self.height - height, width: slot / 2 - 1, height: height,
                        kind: kind, label: "\(time): \(value) \(kind)"
                    )
                )
            }
        }
        return bars
    }
}
