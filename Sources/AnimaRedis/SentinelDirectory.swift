import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What all connections of this process that find their master through the same Sentinels
/// share: the order in which to ask the Sentinels, the sockets to drop when a failover starts
/// or a new master is announced, and the master that is being failed over.
///
/// Every method blocks; ``RedisConnection`` calls them on its own thread. While at least one
/// connection to the master is open, one thread per Sentinel listens to that Sentinel's
/// announcements (only the Sentinel that leads a failover announces its steps):
/// - `+try-failover` / `+selected-slave`: the master is about to be replaced. Its sockets are
///   dropped and it is *frozen*: no connection is made to it until the failover ends. Between
///   the promotion of a replica and `+switch-master` the old master still takes writes, and a
///   replica still attached to it would confirm them to `WAIT`, only to resynchronise from the
///   new master and lose them.
/// - `+switch-master`: every socket to another node than the new master is dropped; the freeze ends.
/// - `-failover-abort-*`: the freeze ends.
/// A freeze also ends by itself after ``freezeLimit``, in case its end was not heard.
final class SentinelDirectory: Sendable {
    let endpoint: RedisSentinelEndpoint
    /// TLS to the Sentinels (`rediss-sentinel://`), nil for plain TCP.
    let tls: RedisTLSConfiguration?
    private let state: NIOLockedValueBox<State>
    private let watchers: NIOThreadPool

    private struct State {
        var order: [RedisSentinelEndpoint.Address]
        var sockets: [ObjectIdentifier: Socket] = [:]
        var watching = false
        var frozen: (master: RedisSentinelEndpoint.Address, until: ContinuousClock.Instant)?
    }

    private struct Socket {
        let fd: Int32
        let address: RedisSentinelEndpoint.Address
        var dropped = false
    }

    static let freezeLimit = Duration.seconds(15)
    private struct Key: Hashable {
        let endpoint: RedisSentinelEndpoint
        let tls: RedisTLSConfiguration?
    }

    private static let directories = NIOLockedValueBox<[Key: SentinelDirectory]>([:])

    /// The one directory of this process for `endpoint` (reached with `tls`, when set).
    static func shared(for endpoint: RedisSentinelEndpoint, tls: RedisTLSConfiguration?) -> SentinelDirectory {
        directories.withLockedValue { all in
            let key = Key(endpoint: endpoint, tls: tls)
            if let existing = all[key] { return existing }
            let created = SentinelDirectory(endpoint: endpoint, tls: tls)
            all[key] = created
            return created
        }
    }

    private init(endpoint: RedisSentinelEndpoint, tls: RedisTLSConfiguration?) {
        self.endpoint = endpoint
        self.tls = tls
        self.state = NIOLockedValueBox(State(order: endpoint.sentinels))
        self.watchers = NIOThreadPool(numberOfThreads: endpoint.sentinels.count)
        watchers.start()
    }

    /// Asks the Sentinels in turn for the master's address; the one that answers moves to the
    /// front, so the next discovery asks it first. A master being failed over is refused.
    func masterAddress(timeout: Duration) throws(RedisError) -> RedisSentinelEndpoint.Address {
        let order = state.withLockedValue { $0.order }
        var failures: [String] = []
        for sentinel in order {
            let connection = RedisConnection(configuration: configuration(of: sentinel, timeout: timeout))
            defer { connection.close() }
            let reply: RedisValue
            do {
                reply = try connection.send(RedisCommand("SENTINEL", "get-master-addr-by-name", endpoint.masterName))
            } catch {
                failures.append("\(sentinel): \(error.message)")
                continue
            }
            guard let pair = reply.array, pair.count == 2, let host = pair[0].string, let port = pair[1].string.flatMap(Int.init) else {
                failures.append("\(sentinel) does not know it")
                continue
            }
            moveToFront(sentinel)
            let master = RedisSentinelEndpoint.Address(host: host, port: port)
            if isFrozen(master) {
                throw RedisError(.failover, "a failover of master '\(endpoint.masterName)' at \(master) is under way")
            }
            return master
        }
        throw RedisError(
            .masterNotFound,
            "no Sentinel named an address for master '\(endpoint.masterName)' (\(failures.joined(separator: "; ")))"
        )
    }

    /// `fd` leads to the master at `address` until ``unregister(_:)``.
    func register(_ owner: ObjectIdentifier, fd: Int32, address: RedisSentinelEndpoint.Address) {
        let startWatching = state.withLockedValue { state -> Bool in
            state.sockets[owner] = Socket(fd: fd, address: address)
            defer { state.watching = true }
            return !state.watching
        }
        guard startWatching else { return }
        for sentinel in endpoint.sentinels {
            watchers.submit { [self] _ in watch(sentinel) }
        }
    }

    /// Called before the socket is closed: after this no watcher touches it.
    func unregister(_ owner: ObjectIdentifier) {
        _ = state.withLockedValue { $0.sockets.removeValue(forKey: owner) }
    }

    /// True once the owner's socket was dropped: the owner must reconnect before its next
    /// command (writing to the shut-down socket would fail it for nothing).
    func wasDropped(_ owner: ObjectIdentifier) -> Bool {
        state.withLockedValue { $0.sockets[owner]?.dropped ?? false }
    }

    /// Shuts down every registered socket for which `drop` is true; returns how many.
    @discardableResult
    func dropSockets(where drop: (RedisSentinelEndpoint.Address) -> Bool) -> Int {
        state.withLockedValue { state in
            var dropped = 0
            for (owner, socket) in state.sockets where !socket.dropped && drop(socket.address) {
                // The owner closes the descriptor only after unregistering under this lock.
                shutdown(socket.fd, Int32(SHUT_RDWR))
                state.sockets[owner]?.dropped = true
                dropped += 1
            }
            return dropped
        }
    }

    /// A failover of `master` started: drop its sockets and connect to it no more.
    func freeze(_ master: RedisSentinelEndpoint.Address) {
        state.withLockedValue { $0.frozen = (master, .now + Self.freezeLimit) }
        dropSockets { $0 == master }
    }

    func thaw() {
        state.withLockedValue { $0.frozen = nil }
    }

    private func isFrozen(_ master: RedisSentinelEndpoint.Address) -> Bool {
        state.withLockedValue { state in
            guard let frozen = state.frozen else { return false }
            if frozen.until < .now {
                state.frozen = nil
                return false
            }
            return frozen.master == master
        }
    }

    private func moveToFront(_ sentinel: RedisSentinelEndpoint.Address) {
        state.withLockedValue { state in
            guard let index = state.order.firstIndex(of: sentinel), index > 0 else { return }
            state.order.remove(at: index)
            state.order.insert(sentinel, at: 0)
        }
    }

    func configuration(of sentinel: RedisSentinelEndpoint.Address, timeout: Duration) -> RedisConfiguration {
        RedisConfiguration(
            endpoint: .tcp(host: sentinel.host, port: sentinel.port),
            username: endpoint.password == nil ? nil : endpoint.username,
            password: endpoint.password,
            connectTimeout: timeout,
            commandTimeout: timeout,
            tls: tls
        )
    }

    /// False once no socket is registered; the next ``register(_:fd:address:)`` starts watching again.
    func stillNeeded() -> Bool {
        state.withLockedValue { state in
            if state.sockets.isEmpty { state.watching = false }
            return state.watching
        }
    }
}
