import AnimaQueue
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
    /// One running attempt: its answer, and its task once started.
    private struct Running {
        let outcome: Answer<HandlerOutcome>
        var task: Task<Void, Never>?
    }
    private struct State {
        var running: [UInt64: Running] = [:]
        /// Set by ``interruptAll()``: an attempt starting afterwards is interrupted at once.
        var interrupted = false
    }
    private let state = NIOLockedValueBox(State())
    private let counter = Atomic<UInt64>(0)

    /// Runs `handler` for `event`, answering within `timeout`.
    func run(_ handler: any EventHandler, event: WebhookEvent, context: HandlerContext) async -> HandlerOutcome {
        let key = counter.add(1, ordering: .relaxed).newValue
        let outcome = Answer<HandlerOutcome>()
        state.withLockedValue { $0.running[key] = Running(outcome: outcome) }
        defer { _ = state.withLockedValue { $0.running.removeValue(forKey: key) } }

        let task = Task {
            do {
                try await handler.handle(event, context: context)
                outcome.give(.success)
            } catch is CancellationError {
                outcome.give(.failure("cancelled"))
            } catch let failure as HandlerFailure {
                outcome.give(.failure(failure.message, retryAfter: failure.retryAfter))
            } catch {
                outcome.give(.failure(Self.describe(error)))
            }
        }
        let interruptNow = state.withLockedValue { state -> Bool in
            state.running[key]?.task = task
            return state.interrupted
        }
        if interruptNow {
            // Interrupted before its task was known (or after): cancel the task here.
            outcome.give(.interrupted)
            task.cancel()
        }
        // A NIO timer, not a sleeping task: cancelling it frees it at once, so thousands of
        // short attempts per second leave nothing behind.
        let timeout = context.timeout
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(timeout.wholeNanoseconds)) {
            if outcome.give(.failure("timed out after \(timeout.formattedSeconds)")) { task.cancel() }
        }
        let answer = await outcome.wait()
        timer.cancel()
        return answer
    }

    /// Interrupts every running attempt, and every one that starts from now on (shutdown grace
    /// has passed): each answers ``HandlerOutcome/interrupted`` and its task is cancelled.
    /// Returns how many were running.
    @discardableResult
    func interruptAll() -> Int {
        let running = state.withLockedValue { state in
            state.interrupted = true
            return Array(state.running.values)
        }
        var count = 0
        for attempt in running where attempt.outcome.give(.interrupted) {
            attempt.task?.cancel()
            count += 1
        }
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
