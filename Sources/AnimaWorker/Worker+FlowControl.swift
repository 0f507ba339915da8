import AnimaQueue
import AnimaRedis
import Logging
import NIOConcurrencyHelpers
import Synchronization

/// Flow control per type, the worker's side (the rules run in Redis, see ``FlowScripts``):
/// which claims go through admission, taking held events back as room comes, renewing slots,
/// and the breakers' log lines.
extension Worker {
    /// What this worker knows of flow control, read every tick.
    struct FlowView: Sendable {
        /// Types with a limit or a breaker, not paused: their claims go through admission.
        var admitted: Set<String> = []
        /// Types with held events, not paused: taken back before each take.
        var held: Set<String> = []
    }

    /// Reads every type's limit, breaker and held events, and sets the gauges.
    func refreshFlow() async throws(RedisError) {
        let controls = try await FlowControls(keys: queue.keys, client: operations).all()
        let paused = pausedTypes.withLockedValue { $0 }
        var view = FlowView()
        for control in controls where !paused.contains(control.type) {
            view.admitted.insert(control.type)
            if control.held > 0 { view.held.insert(control.type) }
        }
        flowView.withLockedValue { $0 = view }
        metrics.flow.record(controls)
    }

    /// Which flow-controlled type, if any, the claim of a parsed entry admits it under.
    var admission: @Sendable (ParsedEntry) -> String? {
        let admitted = flowView.withLockedValue { $0.admitted }
        if admitted.isEmpty { return { _ in nil } }
        return { parsed in
            guard case .success(let identity) = parsed.identity, admitted.contains(identity.type) else { return nil }
            return identity.type
        }
    }

    /// Whether some type has held events: then takes block briefly, so held events are taken
    /// back as room comes.
    var holdsBack: Bool { flowView.withLockedValue { !$0.held.isEmpty } }

    /// Takes back held events, up to `limit`, of every type that has room now: they run before
    /// newer events of their type.
    func takeHeld(limit: Int) async throws(RedisError) -> [WorkerQueue.Taken<ParsedEntry>] {
        let types = flowView.withLockedValue { $0.held }
        var taken: [WorkerQueue.Taken<ParsedEntry>] = []
        for type in types.sorted() where taken.count < limit {
            taken += try await queue.takeHeld(
                type: type, limit: limit - taken.count, order: configuration.orderKey, lease: configuration.leaseTTL,
                slotStem: "slot:\(configuration.workerID):\(tokenCounter.add(1, ordering: .relaxed).newValue):",
                token: leaseToken, parse: parseEntry)
        }
        return taken
    }

    /// Wakes the fetch loop if it waits for room (a settle here freed some).
    func noteRoomFreed() {
        let signal = roomFreed.withLockedValue { current in
            defer { current = StopSignal() }
            return current
        }
        signal.fire()
    }

    /// Notes a type whose event was held back: take its held events back from now on.
    func noteHeld(_ type: String) {
        flowView.withLockedValue { _ = $0.held.insert(type) }
    }

    /// Extends the slots of the attempts running now (with their leases, every tick).
    func renewSlots(_ current: [LeaseBook.Lease]) async {
        let tickets = current.compactMap(\.flow)
        if tickets.isEmpty { return }
        do { try await queue.renew(tickets, lease: configuration.leaseTTL) } catch { failed("renew flow slots", error) }
    }

    /// One warning line and the gauge, for a breaker that this worker's settle opened or closed.
    func observe(_ transition: BreakerTransition, type: String) {
        let metadata: Logger.Metadata = [
            "anima.event.type": "\(type)", "anima.breaker": "\(transition.kind == .closed ? "closed" : "open")",
        ]
        switch transition.kind {
        case .opened:
            logger.warning(
                "breaker for \(type) opened: \(transition.failed) of \(transition.attempts) attempts failed within its window; no attempt of \(type) starts for \(transition.cooldown.formattedSeconds), then one event probes",
                metadata: metadata)
        case .reopened:
            logger.warning(
                "breaker for \(type) opened again: the probe failed; the next probe in \(transition.cooldown.formattedSeconds)",
                metadata: metadata)
        case .closed:
            logger.warning("breaker for \(type) closed: the probe succeeded; events of \(type) run again", metadata: metadata)
        }
        metrics.flow.breaker(type, open: transition.kind != .closed)
    }
}
