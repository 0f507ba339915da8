public import Foundation

extension BreakerState {
    /// `closed`, `open, probe due 2026-12-01T10:00:30Z (in 25 s)`, `probing (one event is let through)`.
    public func text(now: Date) -> String {
        switch self {
        case .closed: return "closed"
        case .probing: return "probing (one event is let through)"
        case .open(let probeAt):
            let seconds = max(0, Int(probeAt.timeIntervalSince(now).rounded()))
            return "open, probe due \(EventStatus.iso(Int64(probeAt.timeIntervalSince1970 * 1000))) (in \(seconds) s)"
        }
    }

    /// When an open breaker lets its probe through; nil unless open.
    public var probeAt: Date? {
        if case .open(let date) = self { return date }
        return nil
    }
}
