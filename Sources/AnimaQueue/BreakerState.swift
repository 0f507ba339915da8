public import Foundation

/// Where one type's breaker stands, as read from `anima:breaker:<type>`.
public enum BreakerState: Sendable, Equatable {
    /// Attempts run; their results are counted.
    case closed
    /// No attempt starts until `probeAt`; then one event probes.
    case open(probeAt: Date)
    /// One event is running as the probe: its success closes the breaker, its failure opens it
    /// again for twice the cooldown.
    case probing

    /// Open or probing: the type does not run freely (`open_breakers`, the gauge).
    public var isOpen: Bool { self != .closed }

    /// `closed`, `open`, `probing`.
    public var name: String {
        switch self {
        case .closed: "closed"
        case .open: "open"
        case .probing: "probing"
        }
    }

    /// The state of a breaker hash's `state` and `until` fields.
    init(state: String?, until: String?) {
        switch state {
        case "open": self = .open(probeAt: Date(timeIntervalSince1970: (until.flatMap(Double.init) ?? 0) / 1000))
        case "probing": self = .probing
        default: self = .closed
        }
    }
}
