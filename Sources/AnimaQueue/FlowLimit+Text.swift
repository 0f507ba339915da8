import Foundation

/// A limit from the text an operator typed (`anima-admin limit`, the dashboard's form).
extension FlowLimit {
    /// At most this many attempts of one type at once: the bound a typo can reach.
    public static let maxConcurrency = 1_000_000

    /// `concurrency` (`N` ≥ 1) and `rate` (`N/s` or `N/m`); nil or empty for not given, but
    /// at least one must be.
    public init(concurrency: String?, rate: String?) throws(FlowSettingError) {
        let concurrency = concurrency.flatMap { $0.isEmpty ? nil : $0 }
        let rate = rate.flatMap { $0.isEmpty ? nil : $0 }
        guard concurrency != nil || rate != nil else {
            throw FlowSettingError(.empty, setting: "limit", expected: "a concurrency (N ≥ 1) or a rate (N/s or N/m), or both", value: "")
        }
        var limit = FlowLimit()
        if let concurrency {
            let expected = "a whole number from 1 to \(Self.maxConcurrency)"
            guard let count = Int(concurrency.trimmingCharacters(in: .whitespaces)) else {
                throw FlowSettingError(.malformed, setting: "concurrency", expected: expected, value: concurrency)
            }
            guard (1...Self.maxConcurrency).contains(count) else {
                throw FlowSettingError(.outOfRange, setting: "concurrency", expected: expected, value: concurrency)
            }
            limit.concurrency = count
        }
        if let rate {
            guard let parsed = Rate(rate.trimmingCharacters(in: .whitespaces)) else {
                throw FlowSettingError(.malformed, setting: "rate", expected: "N/s or N/m with N ≥ 1 (50/s, 600/m)", value: rate)
            }
            limit.rate = parsed
        }
        self = limit
    }
}
