import AnimaQueue
import AnimaRedis
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// The one place where a verdict becomes its Redis step, its metric and its log line.
extension Worker {
    /// Settles `events` and records their outcomes in one script call (retried until it
    /// succeeds or shutdown abandons it, or `giveUp` has fired), then counts and logs each.
    /// Every verdict's row of the outcome table (``JudgedEvent/outcome``) says what to do.
    /// Returns what each step found; nil when shutdown gave up on Redis.
    @discardableResult
    func settle(_ events: [JudgedEvent], until giveUp: StopSignal? = nil) async -> [Settled]? {
        if events.isEmpty { return [] }
        var tries = 0
        // Index loops, not zips: each event and row is read in place, never copied (copies of
        // these structs were a measured share of the quick path).
        var outcomes: [Outcome] = []
        var settlements: [Settlement] = []
        var items: [HistoryBatch.Item?] = []
        var flows: [FlowRelease] = []
        outcomes.reserveCapacity(events.count)
        settlements.reserveCapacity(events.count)
        items.reserveCapacity(events.count)
        for index in events.indices {
            let outcome = events[index].outcome
            settlements.append(
                Settlement(entry: events[index].stored, step: outcome.step, handover: outcome.isFinal ? events[index].hold : nil))
            items.append(historyItem(of: events[index], outcome))
            if let ticket = events[index].flow { flows.append(FlowRelease(ticket, outcome.breakerResult, settlement: index)) }
            outcomes.append(outcome)
        }
        let history = HistoryBatch(items)
        let recording = history.isEmpty ? nil : history
        let maxLength = configuration.historyMax
        guard
            let (settled, recorded, transitions) = await persist(
                "settle", until: giveUp,
                { () throws(RedisError) in
                    tries += 1
                    // A retry follows a lost reply: the first call may have run.
                    return try await self.queue.settle(
                        settlements, flows: flows, recording: recording, maxLength: maxLength, again: tries > 1)
                }
            )
        else { return nil }
        let receipts = history.receipts(historyReply(recorded))
        for (flow, transition) in zip(flows, transitions) {
            if let transition { observe(transition, type: flow.ticket.type) }
        }
        if !flows.isEmpty { noteRoomFreed() }
        for index in events.indices {
            observe(events[index], outcomes[index], settled[index], afterRetry: tries > 1)
            recordTimings(events[index], outcomes[index], receipt: receipts[index])
        }
        return settled
    }

    /// Counts and logs one settled event, as its row says.
    private func observe(_ event: JudgedEvent, _ outcome: Outcome, _ settled: Settled, afterRetry: Bool) {
        if let duration = event.handlerDuration { metrics.handlerDuration.recordNanoseconds(duration.wholeNanoseconds) }
        metrics.count(outcome.counters)
        if case .holdBack = event.verdict, case .success(let identity) = event.parsed.identity { noteHeld(identity.type) }
        let duration: Logger.Metadata.Value = "\((event.handlerDuration ?? .zero).wholeNanoseconds / 1_000_000)"
        if let line = outcome.log {
            var metadata = line.metadata
            metadata["anima.result"] = .string(line.result)
            if event.handlerDuration != nil { metadata["anima.duration_ms"] = duration }
            eventLogger(event).log(level: line.level, "\(line.message)", metadata: metadata)
        } else if case .complete = event.verdict, case .completed(let completion) = settled {
            recordCompletion(event, completion, afterRetry: afterRetry, duration: duration)
        }
    }

    private func recordCompletion(_ event: JudgedEvent, _ completion: Completion, afterRetry: Bool, duration: Logger.Metadata.Value) {
        switch completion {
        case .recorded:
            // The quick path settles thousands a second: build no logger nobody reads.
            guard logger.logLevel <= .info else { return }
            // One metadata dictionary, not a logger copy with three keys set one by one, made
            // large enough at once (growing it from two keys to five was a visible share).
            var metadata = Logger.Metadata(minimumCapacity: 5)
            metadata["anima.result"] = "ok"
            metadata["anima.duration_ms"] = duration
            addEvent(of: event, to: &metadata)
            logger.info("handled", metadata: metadata)
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

    /// Adds the event's id, type and attempt to `metadata`.
    func addEvent(of event: JudgedEvent, to metadata: inout Logger.Metadata) {
        guard case .success(let identity) = event.parsed.identity else { return }
        Self.addEvent(id: identity.id, type: identity.type, attempt: event.attempt, to: &metadata)
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
