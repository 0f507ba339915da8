internal import CHiredis
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One blocking connection to Redis over hiredis. The only type that touches the C library.
///
/// Not thread-safe and deliberately not `Sendable`: exactly one thread owns a connection and
/// makes every call on it. ``RedisClient`` gives a connection its own thread; use that from
/// async code. Every call here blocks the calling thread, so never call it from Swift's
/// cooperative pool or a NIO event loop.
///
/// The connection opens lazily and reopens by itself: after an I/O error the hiredis context is
/// freed and the next command connects again (one attempt, bounded by the connect timeout).
/// A command that failed on a broken connection is not re-sent: Redis may or may not have run
/// it, and only the caller knows whether sending it twice is safe.
///
/// With ``RedisConfiguration/tls`` set, hiredis still connects the socket and parses the
/// replies, and a ``RedisTLSSession`` over that socket moves the bytes (see `RedisConnection+TLS`).
public final class RedisConnection {
    public let configuration: RedisConfiguration
    var context: UnsafeMutablePointer<redisContext>?
    /// The TLS session over the context's socket (`rediss://`); nil for plain TCP and unix sockets.
    var tls: RedisTLSSession?
    private var currentTimeout: Duration
    /// Where the open context leads (for error messages), and the Sentinels it was found through.
    var target: String
    private var sentinels: SentinelDirectory?
    /// The scripts loaded on the server of the open context (see ``RedisScript``).
    var loadedScripts: Set<String> = []

    public init(configuration: RedisConfiguration) {
        _ = Self.ignoreBrokenPipes
        self.configuration = configuration
        self.currentTimeout = configuration.commandTimeout
        self.target = "\(configuration)"
    }

    deinit {
        close()
    }

    /// Whether a hiredis context is open (it may still turn out broken on the next command).
    public var isConnected: Bool { context != nil }

    /// Opens the connection now (authenticating and selecting the database) if it is not open.
    /// With a `redis-sentinel://` URL it first asks the Sentinels where the master is, and
    /// connects only to a node that answers `ROLE` as a master.
    public func connect() throws(RedisError) {
        if context != nil { return }
        switch configuration.endpoint {
        case .tcp(let host, let port):
            try open(.tcp(host: host, port: port))
        case .unixSocket:
            try open(configuration.endpoint)
        case .sentinel(let endpoint):
            try connectToMaster(through: SentinelDirectory.shared(for: endpoint, tls: configuration.tls))
        }
    }

    /// Discovery as the Sentinel client guidelines describe it: ask the Sentinels in turn,
    /// connect, confirm with `ROLE`; a node that is not (yet) a master is asked about again
    /// shortly, until the connect timeout has passed.
    private func connectToMaster(through directory: SentinelDirectory) throws(RedisError) {
        let deadline = ContinuousClock.now + configuration.connectTimeout
        let askTimeout = min(configuration.connectTimeout, .milliseconds(500))
        while true {
            let master = try directory.masterAddress(timeout: askTimeout)
            target = "master '\(directory.endpoint.masterName)' at \(master) (\(configuration))"
            try open(.tcp(host: master.host, port: master.port))
            let role = try roundTrip([RedisCommand("ROLE")])[0]
            if role.array?.first?.string == "master", let context {
                sentinels = directory
                directory.register(ObjectIdentifier(self), fd: context.pointee.fd, address: master)
                return
            }
            close()
            guard ContinuousClock.now + Self.roleRetryPause < deadline else {
                throw RedisError(
                    .notMaster,
                    "the Sentinels name \(master) as master '\(directory.endpoint.masterName)', but it answers ROLE with "
                        + "\(role.array?.first?.string ?? "\(role)"); a failover may be under way"
                )
            }
            usleep(UInt32(Self.roleRetryPause.wholeNanoseconds / 1000))
        }
    }

    private static let roleRetryPause = Duration.milliseconds(100)

    /// hiredis writes with plain `write()`: a socket the peer (or the Sentinel watcher) shut down
    /// would raise SIGPIPE and kill the process. Ignored once, process-wide, as network servers do;
    /// the write then fails with EPIPE and the command with ``RedisError/Code/connectionLost``.
    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Opens a context to `endpoint` (`.tcp` or `.unixSocket`), then authenticates and selects.
    private func open(_ endpoint: RedisConfiguration.Endpoint) throws(RedisError) {
        let connectTimeval = Self.timeval(configuration.connectTimeout)
        let opened: UnsafeMutablePointer<redisContext>?
        switch endpoint {
        case .tcp(let host, let port):
            opened = redisConnectWithTimeout(host, Int32(port), connectTimeval)
        case .unixSocket(let path):
            opened = redisConnectUnixWithTimeout(path, connectTimeval)
        case .sentinel:
            preconditionFailure("a Sentinel endpoint is resolved before opening")
        }
        let savedErrno = errno
        guard let opened else { throw RedisError(.connectFailed, "could not allocate a hiredis context") }
        if opened.pointee.err != 0 {
            let error = error(of: opened, errno: savedErrno, connecting: true)
            redisFree(opened)
            throw error
        }
        context = opened
        // TCP only: on a unix socket the TCP keepalive options fail (EOPNOTSUPP) and hiredis
        // then marks the whole context as failed. Keepalive notices a silently dead master.
        if case .tcp = endpoint {
            _ = redisEnableKeepAlive(opened)
        }
        do {
            if case .tcp(let host, _) = endpoint, let settings = configuration.tls {
                try startTLS(settings, host: host, on: opened)
            }
            currentTimeout = configuration.commandTimeout
            _ = redisSetTimeout(opened, Self.timeval(currentTimeout))
            try authenticateAndSelect()
        } catch {
            close()
            throw error
        }
    }

    private func authenticateAndSelect() throws(RedisError) {
        if let password = configuration.password {
            let auth = configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
            if case .error(let message) = try roundTrip([auth])[0] {
                throw RedisError(.authenticationFailed, "\(message) (check the password in REDIS_URL)")
            }
        }
        if configuration.database != 0 {
            if case .error(let message) = try roundTrip([RedisCommand("SELECT", configuration.database)])[0] {
                throw RedisError(.server, "SELECT \(configuration.database): \(message)")
            }
        }
    }

    /// Frees the hiredis context. The next command opens a new one.
    public func close() {
        if let context {
            // Before the socket is closed: the Sentinel watcher may shut it down until then.
            sentinels?.unregister(ObjectIdentifier(self))
            sentinels = nil
            tls = nil
            redisFree(context)
            self.context = nil
            loadedScripts = []
        }
    }

    /// Sets how long the following commands may wait for a reply (nil: the configured default).
    /// A blocking command such as `BLMOVE … 1` needs a timeout longer than its block time.
    public func setCommandTimeout(_ timeout: Duration?) {
        let wanted = timeout ?? configuration.commandTimeout
        guard wanted != currentTimeout else { return }
        currentTimeout = wanted
        if let context { _ = redisSetTimeout(context, Self.timeval(wanted)) }
    }

    /// Sends one command and returns its reply. An error reply is thrown as ``RedisError/Code/server``.
    public func send(_ command: RedisCommand) throws(RedisError) -> RedisValue {
        let reply = try pipeline([command])[0]
        if case .error(let message) = reply {
            throw RedisError.reply(message, to: command.name)
        }
        return reply
    }

    /// Sends several commands in one write and reads their replies in order: one round trip.
    /// Error replies are returned in place as ``RedisValue/error(_:)``.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        if commands.isEmpty { return [] }
        // Dropped by the Sentinel watcher (failover): reconnect instead of failing on the dead socket.
        if let sentinels, sentinels.wasDropped(ObjectIdentifier(self)) { close() }
        try connect()
        return try roundTripLoadingScripts(commands)
    }

    func roundTrip(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        guard let context else { throw RedisError(.connectionLost, "not connected") }
        let replies: [RedisValue]
        if let tls {
            replies = try exchangeTLS(commands, over: tls, context: context)
        } else {
            replies = try exchange(commands, context: context)
        }
        // A node that stopped being a usable master: drop it, the next command discovers anew.
        if replies.contains(where: { if case .error(let message) = $0 { RedisError.isFailoverReply(message) } else { false } }) {
            close()
        }
        return replies
    }

    /// The plain round trip: hiredis writes and reads the socket itself.
    private func exchange(_ commands: [RedisCommand], context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> [RedisValue] {
        for command in commands {
            let status = command.encoded.withUnsafeReadableBytes { bytes in
                redisAppendFormattedCommand(
                    context,
                    bytes.baseAddress!.assumingMemoryBound(to: CChar.self),
                    bytes.count
                )
            }
            if status != REDIS_OK {
                throw failAndClose(context)
            }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            errno = 0
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw failAndClose(context)
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            defer { freeReplyObject(raw) }
            replies.append(Self.value(of: reply))
        }
        return replies
    }

    /// Waits up to `timeout` for one more reply without sending anything: the messages of a
    /// `SUBSCRIBE`. Nil when none came in time (the connection stays usable).
    public func nextReply(within timeout: Duration) throws(RedisError) -> RedisValue? {
        guard let context else { throw RedisError(.connectionLost, "not connected") }
        var raw: UnsafeMutableRawPointer?
        // A reply may already sit in hiredis's buffer, read along with an earlier one.
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw failAndClose(context) }
        if raw == nil, let tls {
            if !tls.hasBufferedBytes {
                guard try readable(context, within: timeout) else { return nil }
            }
            return try readReplyTLS(over: tls, context: context)
        }
        if raw == nil {
            guard try readable(context, within: timeout) else { return nil }
            errno = 0
            guard redisGetReply(context, &raw) == REDIS_OK, raw != nil else { throw failAndClose(context) }
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.value(of: raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Whether the socket has bytes to read within `timeout`; a poll error fails the connection.
    private func readable(_ context: UnsafeMutablePointer<redisContext>, within timeout: Duration) throws(RedisError) -> Bool {
        var ready = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let count = poll(&ready, 1, Int32(timeout.wholeNanoseconds / 1_000_000))
        if count == 0 || (count < 0 && errno == EINTR) { return false }
        guard count > 0 else { throw failAndClose(context) }
        return true
    }

    func failAndClose(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let error = error(of: context, errno: errno, connecting: false)
        close()
        return error
    }

    /// Converts a hiredis reply tree into Swift values. The caller frees the root.
    static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let r = reply.pointee
        switch Int32(r.type) {
        case REDIS_REPLY_STRING:
            return .bulkString(ByteBuffer(bytes: UnsafeRawBufferPointer(start: r.str, count: Int(r.len))))
        case REDIS_REPLY_STATUS:
            return .status(text(r.str, r.len))
        case REDIS_REPLY_ERROR:
            return .error(text(r.str, r.len))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(r.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            var values: [RedisValue] = []
            values.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                if let element = r.element[index] {
                    values.append(value(of: element))
                } else {
                    values.append(.null)
                }
            }
            return .array(values)
        default:
            return .error("unknown hiredis reply type \(r.type)")
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func error(
        of context: UnsafeMutablePointer<redisContext>,
        errno savedErrno: Int32,
        connecting: Bool
    ) -> RedisError {
        let reason = withUnsafeBytes(of: context.pointee.errstr) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        let kind = context.pointee.err
        if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || savedErrno == ETIMEDOUT
            || reason.contains("timed out") || reason.contains("Resource temporarily unavailable")
        {
            let limit = connecting ? configuration.connectTimeout : configuration.commandTimeout
            return RedisError(.timeout, "\(target) did not answer within \(limit) (\(reason))")
        }
        if savedErrno == ECONNREFUSED || reason.contains("refused") {
            return RedisError(.connectionRefused, "\(target): \(reason); is redis-server running?")
        }
        if connecting {
            return RedisError(.connectFailed, "\(target): \(reason)")
        }
        if kind == REDIS_ERR_PROTOCOL {
            return RedisError(.connectionLost, "\(target): protocol error: \(reason)")
        }
        return RedisError(.connectionLost, "\(target): \(reason.isEmpty ? "connection closed" : reason)")
    }

    static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
