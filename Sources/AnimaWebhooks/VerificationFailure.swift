/// Why a webhook request was rejected. Each case maps to one of the two answers the contract
/// allows (``responseMessage``); the finer reason is for logs and metrics.
public enum VerificationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case timestampMissing
    /// Not plain decimal digits (or absurdly long).
    case timestampMalformed
    case timestampTooOld(ageSeconds: Int64)
    case timestampInFuture(aheadSeconds: Int64)
    case signatureMissing
    /// Not exactly 64 hex digits.
    case signatureMalformed
    /// Well-formed, but no configured secret produces it.
    case signatureMismatch

    public var isTimestampFailure: Bool {
        switch self {
        case .timestampMissing, .timestampMalformed, .timestampTooOld, .timestampInFuture: true
        default: false
        }
    }

    /// The `error` text of the 401 answer.
    public var responseMessage: String {
        isTimestampFailure ? "Timestamp outside tolerance" : "Invalid signature"
    }

    /// A short stable label for metrics (`reason="..."`).
    public var label: String {
        switch self {
        case .timestampMissing: "timestamp_missing"
        case .timestampMalformed: "timestamp_malformed"
        case .timestampTooOld: "timestamp_too_old"
        case .timestampInFuture: "timestamp_in_future"
        case .signatureMissing: "signature_missing"
        case .signatureMalformed: "signature_malformed"
        case .signatureMismatch: "signature_mismatch"
        }
    }

    public var description: String {
        switch self {
        case .timestampMissing: "no x-anima-timestamp header"
        case .timestampMalformed: "x-anima-timestamp is not plain decimal Unix seconds"
        case .timestampTooOld(let age): "timestamp is \(age) s old, beyond the tolerance"
        case .timestampInFuture(let ahead): "timestamp is \(ahead) s in the future, beyond the tolerance"
        case .signatureMissing: "no x-anima-signature header"
        case .signatureMalformed: "x-anima-signature is not 64 hex digits"
        case .signatureMismatch: "signature matches none of the configured secrets"
        }
    }
}
