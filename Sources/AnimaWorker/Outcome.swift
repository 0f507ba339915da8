import AnimaQueue
import Logging
import NIOCore
import NIOFoundationCompat

/// What settling one verdict does, as one row of the outcome table (``JudgedEvent/outcome``):
/// its Redis step, whether it is the event's final outcome, what the history records, which
/// counters it adds to and its log line. `settle` sends the steps; metrics, logs and the
/// history read the rest. A new kind of outcome is one new row.
struct Outcome {
    /// The Redis step that moves the entry out of the processing list.
    let step: Settlement.Step
    /// The event's final outcome (done, duplicate, unhandled, dead): it hands the event's order
    /// key to the next event of the key, and its receipt is removed.
    let isFinal: Bool
    /// What the history records; nil for an event that was never tried (returned at shutdown,
    /// parked).
    let record: Record?
    /// The result counters of `anima_worker_events_total` it adds to.
    let counters: Counters
    /// Its log line; nil for none. A completion's line depends on what Redis answered
    /// (see `Worker.observeCompletion`).
    let log: Line?

    struct Record {
        let result: HistoryRecord.Result
        let error: String?
        /// When the event is due again, from now.
        let due: Duration?
    }

    struct Line {
        let level: Logger.Level
        let message: String
        /// The `anima.result` metadata value.
        let result: String
        var metadata: Logger.Metadata = [:]
    }

    /// What the attempt tells its type's breaker: a handler's success or failure, or nothing.
    var breakerResult: FlowRelease.Result {
        if counters.contains(.failed) { return .failure }
        if counters.contains(.processed) { return .success }
        return .none
    }

    /// Counters by result, as a set: no allocation per event.
    struct Counters: OptionSet {
        let rawValue: UInt8
        static let processed = Counters(rawValue: 1 << 0)
        static let failed = Counters(rawValue: 1 << 1)
        static let retried = Counters(rawValue: 1 << 2)
        static let deadLettered = Counters(rawValue: 1 << 3)
        static let duplicates = Counters(rawValue: 1 << 4)
        static let deferred = Counters(rawValue: 1 << 5)
        static let unhandled = Counters(rawValue: 1 << 6)
        static let heldBack = Counters(rawValue: 1 << 7)
    }
}

extension JudgedEvent {
    /// The outcome table: one row per verdict.
    var outcome: Outcome {
        let entry = parsed.entry
        switch verdict {
        case .complete:
            return Outcome(
                step: completion, isFinal: true, record: .init(result: .ok, error: nil, due: nil), counters: .processed, log: nil)
        case .unhandled:
            return Outcome(
                step: completion, isFinal: true, record: .init(result: .unhandled, error: nil, due: nil), counters: .unhandled,
                log: .init(level: .notice, message: "no handler for this type: acknowledged", result: "unhandled"))
        case .acknowledgeDuplicate:
            return Outcome(
                step: .acknowledge, isFinal: true, record: .init(result: .duplicate, error: nil, due: nil), counters: .duplicates,
                log: .init(level: .info, message: "duplicate of a handled event skipped", result: "duplicate"))
        case .defer(let delay):
            return Outcome(
                step: .schedule(QueueEntry.encode(body: entry.body, attempts: entry.attempts), after: delay, releasing: nil),
                isFinal: false, record: .init(result: .deferred, error: nil, due: delay), counters: .deferred,
                log: .init(level: .info, message: "deferred: the same event is running elsewhere", result: "deferred"))
        case .retry(let delay, let reason):
            return Outcome(
                step: .schedule(QueueEntry.encode(body: entry.body, attempts: attempt), after: delay, releasing: lease),
                isFinal: false, record: .init(result: .retry, error: reason, due: delay), counters: [.failed, .retried],
                log: .init(level: .warning, message: "failed: \(reason); retry in \(delay.formattedSeconds)", result: "retry"))
        case .deadLetter(let letter):
            return Outcome(
                step: .deadLetter(ByteBuffer(data: letter.encoded()), releasing: lease), isFinal: true,
                record: .init(result: .dead, error: letter.error, due: nil),
                counters: handlerDuration == nil ? .deadLettered : [.failed, .deadLettered], log: deadLetterLine(letter))
        case .putBack:
            return Outcome(
                step: .putBack(releasing: lease), isFinal: false,
                record: .init(result: .interrupted, error: "interrupted by shutdown", due: nil),
                counters: [], log: .init(level: .notice, message: "interrupted by shutdown: put back on the queue", result: "interrupted"))
        case .returnUntried:
            return Outcome(step: .putBack(releasing: lease), isFinal: false, record: nil, counters: [], log: nil)
        case .park(let type):
            return Outcome(
                step: .park(type: type, releasing: lease), isFinal: false, record: nil, counters: [],
                log: .init(level: .info, message: "type \(type) is paused: the event waits until it is resumed", result: "paused"))
        case .holdBack(.limit):
            return Outcome(
                step: .none, isFinal: false, record: nil, counters: .heldBack,
                log: .init(level: .debug, message: "held back by its type's limit: the event waits its turn", result: "limited"))
        case .holdBack(.breaker):
            return Outcome(
                step: .none, isFinal: false, record: nil, counters: .heldBack,
                log: .init(level: .debug, message: "held back: its type's breaker is open", result: "breaker-open"))
        }
    }

    /// Done: the done mark under our lease; without a lease only the acknowledgement.
    private var completion: Settlement.Step { lease.map { .complete($0) } ?? .acknowledge }

    private func deadLetterLine(_ letter: DeadLetter) -> Outcome.Line {
        let message: String
        if case .success = parsed.identity {
            message = "dead-lettered after \(letter.attempts) attempts: \(letter.error)"
        } else {
            message = "event dead-lettered: \(letter.error)"
        }
        return .init(level: .error, message: message, result: "dead", metadata: ["anima.dead_id": "\(letter.deadID)"])
    }
}
