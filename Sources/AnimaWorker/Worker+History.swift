import AnimaQueue
import AnimaRedis
import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What the history and the per-type metrics keep of each outcome.
extension Worker {
    /// What the history keeps of `event`'s outcome (its record, and its receipt to read); nil
    /// for an event that was never tried (returned at shutdown, parked).
    func historyItem(of event: JudgedEvent, _ outcome: Outcome) -> HistoryBatch.Item? {
        guard let recorded = outcome.record else { return nil }
        let (result, error, due) = (recorded.result, recorded.error, recorded.due)
        let digest = Receipt.field(of: event.parsed.entry.body)
        let final = outcome.isFinal
        guard case .success(let identity) = event.parsed.identity else {
            // A malformed body has no id to record under; its receipt goes with it.
            return final ? HistoryBatch.Item(record: nil, digest: digest, final: true) : nil
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let record = HistoryRecord(
            eventID: identity.id, type: identity.type, attempt: event.attempt, result: result,
            durationMilliseconds: event.handlerDuration.map { Int($0.wholeNanoseconds / 1_000_000) }, error: error,
            worker: configuration.workerID, at: now, dueAt: due.map { now + Int64($0.wholeNanoseconds / 1_000_000) }
        )
        return HistoryBatch.Item(record: record, digest: digest, final: final)
    }

    /// The reply of a batch's recording, or `.null` when it failed: the outcomes are settled
    /// all the same, only their history is missing. Logged when recording starts failing and
    /// when it works again, not once per batch.
    func historyReply(_ reply: RedisValue?) -> RedisValue {
        let failure: String? = if case .error(let message) = reply { message } else { nil }
        let changed = historyFailing.withLockedValue { failing -> Bool in
            defer { failing = failure != nil }
            return failing != (failure != nil)
        }
        if changed, let failure {
            logger.warning(
                "recording outcomes in the history failed: \(failure); events are still settled, their history is missing until this is fixed"
            )
        } else if changed {
            logger.notice("recording outcomes in the history works again")
        }
        return failure == nil ? reply ?? .null : .null
    }

    /// The per-type metrics of a settled event, given its ``Receipt``'s text when known.
    func recordTimings(_ event: JudgedEvent, _ outcome: Outcome, receipt: String?) {
        guard case .success(let identity) = event.parsed.identity, let result = outcome.record?.result else { return }
        let now = Date().timeIntervalSince1970
        let handler = event.handlerDuration ?? .zero
        var queueWait: Duration?
        var latency: Duration?
        if let receipt = receipt.flatMap(Receipt.init) {
            let received = receipt.receivedMilliseconds
            let waitMilliseconds = event.startedAt.map { $0 * 1000 - received } ?? (now * 1000 - received - handler.seconds * 1000)
            queueWait = .microseconds(Int64((waitMilliseconds * 1000).rounded()))
            latency = .milliseconds(Int64(((now - Double(receipt.sentAt)) * 1000).rounded()))
        }
        metrics.byType.record(
            type: handlers.metricLabel(for: identity.type), result: result, handler: event.handlerDuration,
            queueWait: queueWait, latency: latency
        )
    }
}

extension Worker {
    /// Every tick: which types are paused, and the queue's gauges (see ``QueueCounts``).
    func refreshQueueView() async throws(RedisError) {
        let counts = try await QueueCounts.read(keys: queue.keys, client: operations)
        pausedTypes.withLockedValue { $0 = Set(counts.paused) }
        metrics.queue.record(counts)
        try await refreshFlow()
    }
}
