/// Why a worker stopped right after it started: it would break a rule that every worker on one
/// Redis must keep. The executable prints it as its one error line and exits non-zero.
public struct WorkerStartError: Error, CustomStringConvertible, Sendable {
    public let description: String

    /// A live worker orders events by another `ANIMA_ORDER_KEY` (nil: no ordering).
    static func orderKeyDiffers(ours: String?, theirs: String?, worker: String) -> WorkerStartError {
        func shown(_ key: String?) -> String { key.map { "ANIMA_ORDER_KEY=\($0)" } ?? "no ANIMA_ORDER_KEY" }
        return WorkerStartError(
            description:
                "refusing to start: live worker \(worker) runs with \(shown(theirs)), this one with \(shown(ours)); every worker on one Redis must use the same order key (stop the others first, or start this one with theirs)"
        )
    }
}
