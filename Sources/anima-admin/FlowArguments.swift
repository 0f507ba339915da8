import AnimaQueue
import ArgumentParser
import Foundation

/// The checks `limit` and `breaker` share: the type, and a setting's error as a flag's.
enum FlowArguments {
    /// A type is non-empty and at most 200 bytes, as the dashboard takes it.
    static func check(type: String) throws(ValidationError) {
        guard !type.trimmingCharacters(in: .whitespaces).isEmpty, type.utf8.count <= 200 else {
            throw ValidationError("the event type must be 1 to 200 bytes, got '\(type)'")
        }
    }

    /// `--rate must be …, got 'fifty'`.
    static func validation(_ error: FlowSettingError) -> ValidationError {
        ValidationError(error.code == .empty ? "give --concurrency N or --rate N/s|N/m (or both), or --clear" : "--\(error)")
    }

    /// `cleared the limit of T: N held events queued again`, or that there was none.
    static func cleared(_ what: String, of type: String, _ result: (removed: Bool, released: Int)) -> String {
        result.removed
            ? "cleared the \(what) of \(type): \(result.released) held events queued again"
            : "\(type) had no \(what) (\(result.released) held events queued again)"
    }
}
