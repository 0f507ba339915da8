import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What all connections of this process that find their master through the same Sentinels
/// share: the order in which to ask the Sentinels, and the sockets to drop when the Sentinels
/// announce a new master.
///
/// Every method blocks; ``RedisConnection`` calls them on its own thread. While at least one
/// connection to the master is open, a thread of the directory's own subscribes to
/// `+switch-master` on one Sentinel. On an announcement it shuts down every registered socket
/// that leads elsewhere, so that a blocked or idle connection fails at once and its next command
/// discovers the new master, instead of writing to an old master that Sentinel has not demoted yet.
final class SentinelDirectory: Sendable {
    let endpoint: RedisSentinelEndpoint
    private let state: NIOLockedValueBox<State>
    private let watcher = NIOThreadPool(numberOfThreads: 1)

    private struct State {
        var order: [RedisSentinelEndpoint.Address]
        var sockets: [ObjectIdentifier: Socket] = [:]
        var watching = false
    }

    private struct Socket {
        let fd: Int32
        let address: RedisSentinelEndpoint.Address
    }

    private static let directories = NIOLockedValueBox<[RedisSentinelEndpoint: SentinelDirectory]>([:])

    /// The one directory of this process for `endpoint`.
    static func shared(for endpoint: RedisSentinelEndpoint) -> SentinelDirectory {
        directories.withLockedValue { all in
            if let existing = all[endpoint] { return existing }
            let created = SentinelDirectory(endpoint: endpoint)
            all[endpoint] = created
            return created
        }
    }

    private init(endpoint: RedisSentinelEndpoint) {
        self.endpoint = endpoint
        self.state = NIOLockedValueBox(State(order: endpoint.sentinels))
        watcher.start()
    }

    /// Asks the Sentinels in turn for the master's address; the one that answers moves to the
    /// front, so the next discovery asks it first.
    func masterAddress(timeout: Duration) throws(RedisError) -> RedisSentinelEndpoint.Address {
        let order = state.withLockedValue { $0.order }
        var failures: [String] = []
        for sentinel in order {
            let connection = RedisConnection(configuration: configuration(of: sentinel, timeout: timeout))
            defer { connection.close() }
            do {
                let reply = try connection.send(RedisCommand("SENTINEL", "get-master-addr-by-name", endpoint.masterName))
                guard let pair = reply.array, pair.count == 2, let host = pair[0].string, let port = pair[1].string.flatMap(Int.init)
                else {
                    failures.append("\(sentinel) does not know it")
                    continue
                }
                moveToFront(sentinel)
                return RedisSentinelEndpoint.Address(host: host, port: port)
            } catch {
                failures.append("\(sentinel): \(error.message)")
            }
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
        if startWatching {
            watcher.submit { [self] _ in watch() }
        }
    }

    /// Called before the socket is closed: after this the watcher no longer touches it.
    func unregister(_ owner: ObjectIdentifier) {
        _ = state.withLockedValue { $0.sockets.removeValue(forKey: owner) }
    }

    /// Shuts down every registered socket that does not lead to `master`; returns how many.
    @discardableResult
    func masterSwitched(to master: RedisSentinelEndpoint.Address) -> Int {
        state.withLockedValue { state in
            var dropped = 0
            for socket in state.sockets.values where socket.address != master {
                // The owner closes the descriptor only after unregistering under this lock.
                shutdown(socket.fd, Int32(SHUT_RDWR))
                dropped += 1
            }
            return dropped
        }
    }

    private func moveToFront(_ sentinel: RedisSentinelEndpoint.Address) {
        state.withLockedValue { state in
            guard let index = state.order.firstIndex(of: sentinel), index > 0 else { return }
            state.order.remove(at: index)
            state.order.insert(sentinel, at: 0)
        }
    }

    /// Runs on the watcher thread while any socket is registered.
    private func watch() {
        var failures = 0
        while stillNeeded() {
            let sentinels = state.withLockedValue { $0.order }
            let sentinel = sentinels[failures % sentinels.count]
            let connection = RedisConnection(configuration: configuration(of: sentinel, timeout: .milliseconds(500)))
            do {
                _ = try connection.send(RedisCommand("SUBSCRIBE", "+switch-master"))
                while stillNeeded() {
                    if let message = try connection.nextReply(within: .seconds(1)) {
                        handle(message)
                    }
                }
            } catch {
                failures += 1
                usleep(200_000)
            }
            connection.close()
        }
    }

    /// False once no socket is registered; the next ``register(_:fd:address:)`` starts watching again.
    private func stillNeeded() -> Bool {
        state.withLockedValue { state in
            if state.sockets.isEmpty { state.watching = false }
            return state.watching
        }
    }

    /// `message +switch-master "NAME OLDIP OLDPORT NEWIP NEWPORT"`
    private func handle(_ message: RedisValue) {
        guard let parts = message.array, parts.count == 3, parts[0].string == "message",
            let words = parts[2].string?.split(separator: " "), words.count == 5,
            words[0] == endpoint.masterName, let port = Int(words[4])
        else { return }
        masterSwitched(to: RedisSentinelEndpoint.Address(host: String(words[3]), port: port))
    }

    private func configuration(of sentinel: RedisSentinelEndpoint.Address, timeout: Duration) -> RedisConfiguration {
        RedisConfiguration(
            endpoint: .tcp(host: sentinel.host, port: sentinel.port),
            username: endpoint.password == nil ? nil : endpoint.username,
            password: endpoint.password,
            connectTimeout: timeout,
            commandTimeout: timeout
        )
    }
}
