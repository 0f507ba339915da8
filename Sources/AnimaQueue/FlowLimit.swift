import Foundation

/// `anima-admin limit TYPE`: how many attempts of a type may run at once across all workers,
/// and how many may start per second or minute. Kept in Redis as JSON in `anima:limits`.
public struct FlowLimit: Sendable, Equatable, Codable {
    /// At most this many attempts of the type run at once; nil for no bound.
    public var concurrency: Int?
    /// At most this many attempts start per `per`; nil for no bound.
    public var rate: Rate?

    public init(concurrency: Int? = nil, rate: Rate? = nil) {
        self.concurrency = concurrency
        self.rate = rate
    }

    /// `N/s` or `N/m`.
    public struct Rate: Sendable, Equatable, CustomStringConvertible {
        public let count: Int
        public let perMilliseconds: Int

        /// Nil unless `text` is `N/s` or `N/m` (`N/sec`, `N/min`, `N/second`, `N/minute` too)
        /// with N ≥ 1.
        public init?(_ text: String) {
            let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[0]), count >= 1 else { return nil }
            switch parts[1] {
            case "s", "sec", "second": perMilliseconds = 1000
            case "m", "min", "minute": perMilliseconds = 60_000
            default: return nil
            }
            self.count = count
        }

        public var description: String { "\(count)/\(perMilliseconds == 1000 ? "s" : "m")" }
        /// Starts per second.
        public var perSecond: Double { Double(count) * 1000 / Double(perMilliseconds) }
    }

    private enum CodingKeys: String, CodingKey {
        case concurrency, rate
        case perMilliseconds = "per_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency)
        let count = try container.decodeIfPresent(Int.self, forKey: .rate)
        let per = try container.decodeIfPresent(Int.self, forKey: .perMilliseconds) ?? 1000
        rate = count.flatMap { Rate("\($0)/\(per == 60_000 ? "m" : "s")") }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(concurrency, forKey: .concurrency)
        try container.encodeIfPresent(rate?.count, forKey: .rate)
        try container.encodeIfPresent(rate?.perMilliseconds, forKey: .perMilliseconds)
    }

    /// `concurrency 4, rate 50/s`.
    public var summary: String {
        [concurrency.map { "concurrency \($0)" }, rate.map { "rate \($0)" }].compactMap(\.self).joined(separator: ", ")
    }
}
