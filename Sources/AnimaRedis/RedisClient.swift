import NIOPosix

/// An async front for one ``RedisConnection``, which it keeps on a thread of its own.
///
/// Every hiredis call runs on that thread, one after another, so blocking I/O never touches
/// Swift's cooperative pool or a NIO event loop, and the connection always has exactly one
/// owner. For more parallelism make more clients; for fewer round trips use
/// ``pipeline(_:)`` or ``withConnection(_:)``.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let thread: NIOThreadPool
    private let box: ConnectionBox

    /// Holds the connection so `@Sendable` work items can reach it.
    ///
    /// `@unchecked Sendable` is safe because the only code that dereferences `connection` is the
    /// work submitted to `thread`, a pool of exactly one thread that runs items one at a time.
    private final class ConnectionBox: @unchecked Sendable {
        let connection: RedisConnection
        init(_ connection: RedisConnection) { self.connection = connection }
    }

    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.thread.start()
        self.box = ConnectionBox(RedisConnection(configuration: configuration))
    }

    /// Sends one command; an error reply is thrown as ``RedisError/Code/server``.
    public func send(_ command: RedisCommand) async throws(RedisError) -> RedisValue {
        try await withConnection { connection throws(RedisError) in try connection.send(command) }
    }

    /// Sends commands in one round trip; error replies come back in place.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RedisValue] {
        try await withConnection { connection throws(RedisError) in try connection.pipeline(commands) }
    }

    /// Runs `body` on the connection's own thread, where it may make several blocking calls
    /// in a row without another caller's commands coming in between.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        let box = self.box
        do {
            return try await thread.runIfActive { () throws(RedisError) -> T in
                try body(box.connection)
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(.closed, "the Redis client was shut down")
        }
    }

    /// Closes the connection and stops the thread. Commands afterwards throw ``RedisError/Code/closed``.
    public func shutdown() async {
        let box = self.box
        _ = try? await thread.runIfActive { box.connection.close() }
        try? await thread.shutdownGracefully()
    }
}
