import AnimaQueue
import AnimaRedis
import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Background upkeep: heartbeat, lease renewal, promotion of due retries, recovery.
extension Worker {
    func heartbeat() async throws(RedisError) {
        try await queue.heartbeat(currentBeat, ttl: configuration.leaseTTL)
    }

    /// The first heartbeat, refused while live workers order events by another key.
    func register() async throws(RedisError) -> WorkerRegistration {
        try await queue.register(currentBeat, ttl: configuration.leaseTTL)
    }

    private var currentBeat: WorkerHeartbeat {
        WorkerHeartbeat(
            pid: Int(getpid()), concurrency: configuration.concurrency, started: Self.processStart,
            orderKey: configuration.orderKey?.description)
    }

    private static let processStart = Date().formatted(.iso8601)

    /// Heartbeat, lease renewal, promotion of due retries and recovery, every tick.
    func maintain() async {
        while !finished.isFired {
            do {
                try await heartbeat()
                try await refreshQueueView()
                let current = leases.all
                if !current.isEmpty {
                    let ttl = configuration.leaseTTL
                    await withTaskGroup(of: Void.self) { group in
                        for lease in current {
                            group.addTask { await self.renew(lease, for: ttl) }
                        }
                    }
                    await renewSlots(current)
                }
                if !stopping.isFired {
                    _ = try await queue.promoteDueRetries()
                }
                // After an outage, every live worker needs a tick to renew its expired heartbeat:
                // recovering before that would take the events of workers that are alive.
                if !stopping.isFired, ContinuousClock.now >= recoveryAllowedAfter.withLockedValue({ $0 }) {
                    let returned = try await queue.recoverDeadWorkers()
                    if returned > 0 {
                        metrics.recovered.increment(by: returned)
                        logger.warning("recovered \(returned) events of stopped workers")
                    }
                }
                recovered()
            } catch {
                failed("upkeep", error)
            }
            await finished.sleep(for: configuration.tick)
        }
    }

    private func renew(_ lease: LeaseBook.Lease, for ttl: Duration) async {
        let (eventID, token) = (lease.eventID, lease.token)
        let ours: Bool
        switch try? await queue.renew(eventID: eventID, token: token, lease: ttl) {
        case .extended?: ours = true
        case .expired?:
            // Expired during an outage or a stall, or the event was settled since the snapshot:
            // the retake tells them apart (it refuses once the entry left our list).
            ours = (try? await queue.retake(eventID: eventID, token: token, entry: lease.entry, lease: ttl)) ?? true
        case .lost?: ours = false
        case nil: ours = true  // Redis trouble: the next tick tries again
        }
        // An event settled since the snapshot no longer has our lease: not a loss.
        if !ours, leases.holds(eventID: eventID, token: token) {
            logger.warning("lease lost: another worker may run this event too", metadata: ["anima.event.id": "\(eventID)"])
        }
    }
}
