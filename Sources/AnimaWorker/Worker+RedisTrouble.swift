import AnimaRedis
import Logging
import NIOConcurrencyHelpers

/// Redis trouble: writes retried with backoff, outages logged once.
extension Worker {
    /// Retries a queue write with backoff until it succeeds: the handler has run, so its
    /// result must reach Redis. Gives up (nil) only when `until` fires (by default: when
    /// shutdown had to abandon what is left).
    func persist<T: Sendable>(
        _ what: String,
        until giveUp: StopSignal? = nil,
        _ operation: () async throws(RedisError) -> T
    ) async -> T? {
        let giveUp = giveUp ?? abandon
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let value = try await operation()
                recovered()
                return value
            } catch {
                failed(what, error)
                if giveUp.isFired { return nil }
                await giveUp.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    func failed(_ what: String, _ error: RedisError) {
        // Heartbeats may expire while Redis is away: give every live worker a heartbeat TTL
        // to register again before this one takes anybody's events.
        let wait = configuration.leaseTTL + configuration.tick
        recoveryAllowedAfter.withLockedValue { $0 = ContinuousClock.now + wait }
        mayHoldUnseen.withLockedValue { $0 = true }
        let first = outage.withLockedValue { outage -> Bool in
            defer { outage = true }
            return !outage
        }
        if first || !error.isConnectionProblem {
            logger.error("Redis: \(what) failed: \(error); retrying with backoff")
        }
    }

    func recovered() {
        let was = outage.withLockedValue { outage -> Bool in
            defer { outage = false }
            return outage
        }
        if was { logger.notice("Redis is reachable again") }
    }
}
