import NIOConcurrencyHelpers
import NIOPosix

/// An async front for one ``RedisConnection``, which it keeps on a thread of its own.
///
/// Every hiredis call runs on that thread, one after another, so blocking I/O never touches
/// Swift's cooperative pool or a NIO event loop, and the connection always has exactly one
/// owner.
///
/// Commands from concurrent callers of ``send(_:)`` are group-committed: while one pipeline is
/// on the wire, the next callers' commands gather, and then all of them are written in one
/// pipeline and read back in one round trip. Each caller still gets exactly its own reply.
/// ``withConnection(_:)`` runs a closure alone on the connection, for sequences that must not
/// interleave (a blocking pop, a scripted transaction).
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let thread: NIOThreadPool
    private let box: ConnectionBox
    private let queue = NIOLockedValueBox(Queue())
    private let maxBatch: Int
    /// Taken and released by the connection's thread after it builds replies, and by each caller
    /// after its continuation resumes, so that ThreadSanitizer sees the hand-off of the replies.
    ///
    /// When a continuation is resumed before its task awaits it (common here: the connection is
    /// fast), the Swift runtime synchronizes through an atomic in its own uninstrumented code and
    /// tells ThreadSanitizer nothing, which then reports the caller reading the reply's buffers as
    /// a race (see swiftlang/swift#57803). The lock makes the existing ordering visible; uncontended
    /// it costs tens of nanoseconds per command.
    private let handOff = NIOLock()

    /// Holds the connection so `@Sendable` work items can reach it.
    ///
    /// `@unchecked Sendable` is safe because the only code that dereferences `connection` is the
    /// work submitted to `thread`, a pool of exactly one thread that runs items one at a time.
    private final class ConnectionBox: @unchecked Sendable {
        let connection: RedisConnection
        init(_ connection: RedisConnection) { self.connection = connection }
    }

    private struct Pending {
        let commands: [RedisCommand]
        let continuation: CheckedContinuation<[RedisValue], any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var drainScheduled = false
    }

    /// - Parameter maxBatch: the most commands of concurrent ``send(_:)`` callers pipelined together.
    public init(configuration: RedisConfiguration, maxBatch: Int = 512) {
        self.configuration = configuration
        self.maxBatch = maxBatch
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.thread.start()
        self.box = ConnectionBox(RedisConnection(configuration: configuration))
    }

    /// Sends one command; an error reply is thrown as ``RedisError/Code/server``.
    /// Pipelined with the commands of other concurrent callers.
    public func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        let reply = try await send([command])[0]
        if case .error(let message) = reply { throw RedisError.reply(message, to: command.name) }
        return reply
    }

    /// Sends `commands` one after another, pipelined with the commands of other concurrent
    /// callers (nothing comes in between them); error replies come back in place.
    public func send(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        if commands.isEmpty { return [] }
        defer { handOff.withLockVoid {} }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let schedule = queue.withLockedValue { queue -> Bool in
                    queue.pending.append(Pending(commands: commands, continuation: continuation))
                    if queue.drainScheduled { return false }
                    queue.drainScheduled = true
                    return true
                }
                if schedule { submitDrain() }
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(.closed, "the Redis client was shut down")
        }
    }

    private func submitDrain() {
        thread.submit { [self] state in
            guard case .active = state else {
                let orphans = queue.withLockedValue { queue in
                    defer {
                        queue.pending = []
                        queue.drainScheduled = false
                    }
                    return queue.pending
                }
                for item in orphans {
                    item.continuation.resume(throwing: RedisError(.closed, "the Redis client was shut down"))
                }
                return
            }
            drain()
        }
    }

    /// Runs on the connection's thread: pipelines everything waiting until nothing is.
    private func drain() {
        while true {
            let batch = queue.withLockedValue { queue -> [Pending] in
                var count = 0
                var commands = 0
                while count < queue.pending.count, count == 0 || commands + queue.pending[count].commands.count <= maxBatch {
                    commands += queue.pending[count].commands.count
                    count += 1
                }
                if count == 0 { queue.drainScheduled = false }
                defer { queue.pending.removeFirst(count) }
                return Array(queue.pending.prefix(count))
            }
            if batch.isEmpty { return }
            do {
                var replies = try box.connection.pipeline(batch.flatMap(\.commands))[...]
                handOff.withLockVoid {}
                for item in batch {
                    item.continuation.resume(returning: Array(replies.prefix(item.commands.count)))
                    replies.removeFirst(item.commands.count)
                }
            } catch {
                handOff.withLockVoid {}
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
    }

    /// Sends commands as one pipeline, alone on the connection; error replies come back in place.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        try await withConnection { connection throws(RedisError) in try connection.pipeline(commands) }
    }

    /// Runs `body` on the connection's own thread, where it may make several blocking calls
    /// in a row without another caller's commands coming in between.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        let box = self.box
        let handOff = self.handOff
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, RedisError>, Never>) in
            thread.submit { state in
                guard case .active = state else {
                    continuation.resume(returning: .failure(RedisError(.closed, "the Redis client was shut down")))
                    return
                }
                let result = Result { () throws(RedisError) -> T in try body(box.connection) }
                handOff.withLockVoid {}
                continuation.resume(returning: result)
            }
        }
        handOff.withLockVoid {}
        return try result.get()
    }

    /// Runs `body` on the connection's own thread and returns at once: for callers outside any
    /// task (an event loop) that take their answers by callback, and so spare the hop through
    /// Swift's cooperative pool. `body` gets nil once the client is shut down.
    public func submit(_ body: @escaping @Sendable (RedisConnection?) -> Void) {
        let box = self.box
        thread.submit { state in
            guard case .active = state else { return body(nil) }
            body(box.connection)
        }
    }

    /// Closes the connection and stops the thread. Commands afterwards throw ``RedisError/Code/closed``.
    public func shutdown() async {
        _ = try? await withConnection { connection in connection.close() }
        try? await thread.shutdownGracefully()
    }
}
