import AnimaRedis
import AnimaWebhooks
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// Runs handler attempts as tasks of their own, each bounded by the handler timeout, and keeps
/// them findable so shutdown can interrupt whatever outlives the grace period.
///
/// An attempt is answered as soon as it finishes, times out or is interrupted, whichever comes
/// first; a handler that ignores cancellation cannot hold its event hostage.
final class RunningHandlers: Sendable {
    private let attempts = NIOLockedValueBox<[UInt64: Attempt]>([:])
    private let counter = Atomic<UInt64>(0)

    /// Runs `handler` for `event`, answering within `timeout`.
    func run(_ handler: any EventHandler, event: WebhookEvent, context: HandlerContext) async -> HandlerOutcome {
        let key = counter.add(1, ordering: .relaxed).newValue
        let attempt = Attempt()
        attempts.withLockedValue { $0[key] = attempt }
        defer { _ = attempts.withLockedValue { $0.removeValue(forKey: key) } }

        let task = Task {
            do {
                try await handler.handle(event, context: context)
                attempt.finish(.success)
            } catch is CancellationError {
                attempt.finish(.failure("cancelled"))
            } catch let failure as HandlerFailure {
                attempt.finish(.failure(failure.message, retryAfter: failure.retryAfter))
            } catch {
                attempt.finish(.failure(Self.describe(error)))
            }
        }
        attempt.attach(task)
        // A NIO timer, not a sleeping task: cancelling it frees it at once, so thousands of
        // short attempts per second leave nothing behind.
        let timeout = context.timeout
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(timeout.wholeNanoseconds)) {
            if attempt.finish(.failure("timed out after \(timeout.formattedSeconds)")) { task.cancel() }
        }
        let outcome = await attempt.outcome()
        timer.cancel()
        return outcome
    }

    /// Interrupts every running attempt (shutdown grace has passed). Returns how many.
    @discardableResult
    func interruptAll() -> Int {
        let running = attempts.withLockedValue { Array($0.values) }
        var count = 0
        for attempt in running where attempt.interrupt() { count += 1 }
        return count
    }

    static func describe(_ error: any Error) -> String {
        if let failure = error as? HandlerFailure { return failure.message }
        return String(describing: error)
    }
}

extension Duration {
    var formattedSeconds: String {
        let value = seconds
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
