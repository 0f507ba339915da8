import AnimaQueue
import AnimaRedis
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// The one place where a verdict becomes its Redis step, its metric and its log line.
extension Worker {
    /// Settles `events` in one round trip (retried until it succeeds or shutdown abandons it),
    /// with one command recording their outcomes after the last one, then counts and logs each.
    func settle(_ events: [JudgedEvent]) async {
        if events.isEmpty { return }
        var tries = 0
        let settlements = events.map(settlement(for:))
        let history = HistoryBatch(events.map(historyItem(of:)))
        let recording = history.isEmpty ? nil : history.command(keys: queue.keys, maxLength: configuration.historyMax)
        guard
            let (settled, recorded) = await persist(
                "settle",
                { () throws(RedisError) in
                    tries += 1
                    return try await self.queue.settle(settlements, then: recording)
                }
            )
        else { return }
        let receipts = history.receipts(historyReply(recorded))
        for (index, event) in events.enumerated() {
            record(event, settled[index], afterRetry: tries > 1)
            recordTimings(event, receipt: receipts[index])
        }
    }

    /// The Redis step of a verdict.
    private func settlement(for event: JudgedEvent) -> Settlement {
        let entry = event.parsed.entry
        let step: Settlement.Step
        switch event.verdict {
        case .complete, .unhandled:
            step = event.lease.map { .complete($0) } ?? .acknowledge
        case .acknowledgeDuplicate:
            step = .acknowledge
        case .defer(let delay):
            step = .schedule(QueueEntry.encode(body: entry.body, attempts: entry.attempts), after: delay, releasing: nil)
        case .retry(let delay, _):
            step = .schedule(QueueEntry.encode(body: entry.body, attempts: event.attempt), after: delay, releasing: event.lease)
        case .deadLetter(let letter):
            step = .deadLetter(ByteBuffer(data: letter.encoded()), releasing: event.lease)
        case .putBack, .returnUntried:
            step = .putBack(releasing: event.lease)
        case .park(let type):
            step = .park(type: type, releasing: event.lease)
        }
        return Settlement(entry: event.stored, step: step)
    }

    /// Counts and logs one settled event.
    private func record(_ event: JudgedEvent, _ settled: Settled, afterRetry: Bool) {
        if let duration = event.handlerDuration { metrics.handlerDuration.recordNanoseconds(duration.wholeNanoseconds) }
        let duration: Logger.Metadata.Value = "\((event.handlerDuration ?? .zero).wholeNanoseconds / 1_000_000)"
        switch event.verdict {
        case .complete:
            metrics.processed.increment()
            guard case .completed(let completion) = settled else { return }
            recordCompletion(event, completion, afterRetry: afterRetry, duration: duration)
        case .unhandled:
            metrics.unhandled.increment()
            eventLogger(event).notice("no handler for this type: acknowledged", metadata: ["anima.result": "unhandled"])
        case .acknowledgeDuplicate:
            metrics.duplicates.increment()
            eventLogger(event).info("duplicate of a handled event skipped", metadata: ["anima.result": "duplicate"])
        case .defer:
            metrics.deferred.increment()
            eventLogger(event).info("deferred: the same event is running elsewhere", metadata: ["anima.result": "deferred"])
        case .retry(let delay, let reason):
            metrics.failed.increment()
            metrics.retried.increment()
            eventLogger(event).warning(
                "failed: \(reason); retry in \(delay.formattedSeconds)",
                metadata: ["anima.result": "retry", "anima.duration_ms": duration]
            )
        case .deadLetter(let letter):
            if event.handlerDuration != nil { metrics.failed.increment() }
            metrics.deadLettered.increment()
            recordDeadLetter(event, letter)
        case .putBack:
            eventLogger(event).notice("interrupted by shutdown: put back on the queue", metadata: ["anima.result": "interrupted"])
        case .returnUntried:
            break
        case .park(let type):
            eventLogger(event).info("type \(type) is paused: the event waits until it is resumed", metadata: ["anima.result": "paused"])
        }
    }

    private func recordCompletion(_ event: JudgedEvent, _ completion: Completion, afterRetry: Bool, duration: Logger.Metadata.Value) {
        switch completion {
        case .recorded:
            // The quick path settles thousands a second: build no logger nobody reads.
            guard logger.logLevel <= .info else { return }
            // One metadata dictionary, not a logger copy with three keys set one by one.
            logger.info("handled", metadata: eventMetadata(event, ["anima.result": "ok", "anima.duration_ms": duration]))
        case .alreadyAcknowledged where afterRetry:
            // Not a lease lost: our first try was done and only its answer lost.
            eventLogger(event).info(
                "handled (recorded by an earlier try whose answer Redis lost)",
                metadata: ["anima.result": "ok", "anima.duration_ms": duration]
            )
        case .alreadyAcknowledged, .ownedElsewhere:
            eventLogger(event).warning(
                "handled, but the lease was lost meanwhile and another worker owns the event now; its result stands",
                metadata: ["anima.result": "ok-lease-lost", "anima.duration_ms": duration]
            )
        }
    }

    private func recordDeadLetter(_ event: JudgedEvent, _ letter: DeadLetter) {
        guard case .success = event.parsed.identity else {
            logger.error("event dead-lettered: \(letter.error)", metadata: ["anima.dead_id": "\(letter.deadID)", "anima.result": "dead"])
            return
        }
        eventLogger(event).error(
            "dead-lettered after \(letter.attempts) attempts: \(letter.error)",
            metadata: ["anima.result": "dead", "anima.dead_id": "\(letter.deadID)"]
        )
    }

    /// `metadata` with the event's id, type and attempt added.
    func eventMetadata(_ event: JudgedEvent, _ metadata: Logger.Metadata) -> Logger.Metadata {
        guard case .success(let identity) = event.parsed.identity else { return metadata }
        var metadata = metadata
        Self.addEvent(id: identity.id, type: identity.type, attempt: event.attempt, to: &metadata)
        return metadata
    }

    /// The worker's logger with the event's id, type and attempt attached.
    func eventLogger(_ event: JudgedEvent) -> Logger {
        guard case .success(let identity) = event.parsed.identity else { return logger }
        return eventLogger(id: identity.id, type: identity.type, attempt: event.attempt)
    }

    func eventLogger(id: String, type: String, attempt: Int) -> Logger {
        var metadata = Logger.Metadata()
        Self.addEvent(id: id, type: type, attempt: attempt, to: &metadata)
        var logger = self.logger
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }

    /// The one place that names the event's log keys.
    private static func addEvent(id: String, type: String, attempt: Int, to metadata: inout Logger.Metadata) {
        metadata["anima.event.id"] = .string(id)
        metadata["anima.event.type"] = .string(type)
        metadata["anima.event.attempt"] = .stringConvertible(attempt)
    }
}
