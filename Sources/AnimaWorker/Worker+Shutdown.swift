import Logging

/// Graceful shutdown: running handlers raced against the grace period, then interrupted.
extension Worker {
    /// Lets running handlers finish within the grace period, then interrupts the rest (their
    /// process groups are killed, their events put back uncounted).
    func drain() async {
        let graceEnd = (stopping.firedAt ?? .now) + configuration.shutdownGrace
        if limiter.inUse > 0 {
            logger.info("waiting up to \(configuration.shutdownGrace.formattedSeconds) for \(limiter.inUse) running handlers")
        }
        if await limiter.waitUntilIdle(before: graceEnd) { return }
        let interrupted = running.interruptAll()
        if interrupted > 0 {
            logger.warning("shutdown grace over: interrupting \(interrupted) handlers; their events go back to the queue")
        }
        if await limiter.waitUntilIdle(before: .now + Self.settleAfterInterruptTimeout) { return }
        abandon.fire()
        logger.error(
            "\(limiter.inUse) events could not be settled in Redis; they stay in this worker's processing list and are recovered by another worker"
        )
    }
}
