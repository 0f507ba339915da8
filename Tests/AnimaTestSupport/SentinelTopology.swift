public import AnimaRedis
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A Redis master, `replicas` replicas of it and `sentinels` Sentinels watching it as
/// ``masterName``: throwaway ``RedisServer``s on free loopback ports, without persistence, each
/// in a temp dir of its own, started and stopped by PID (and SIGKILLed on `deinit`).
///
/// Ready when it returns: every replica is online at the master, and every Sentinel sees the
/// master, every replica and every other Sentinel, so ``failover()`` can start at once.
///
/// The data nodes run with `--repl-diskless-sync-delay 0` (the default waits 5 s before the
/// first sync of a replica). The Sentinels use `down-after-milliseconds 1000` and
/// `failover-timeout 3000`; each has its own config file, which it rewrites.
public final class SentinelTopology: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The name the Sentinels watch the master under (`anima` unless told).
    public let masterName: String
    /// Every data node: `nodes[0]` is the first master, the others started as its replicas.
    /// Which one is the master changes with a failover: ask ``currentMaster()``.
    public let nodes: [RedisServer]
    public let sentinels: [RedisServer]

    /// The master at start.
    public var firstMaster: RedisServer { nodes[0] }
    /// The replicas at start.
    public var replicas: [RedisServer] { Array(nodes.dropFirst()) }

    /// Arguments of every data node.
    public static let dataNodeArguments = ["--repl-diskless-sync-delay", "0"]

    /// Starts the master, `replicas` replicas, then `sentinels` Sentinels (quorum `quorum`), and
    /// waits (each wait at most `timeout`, scaled by ``TestTime``) until all of them see each other.
    public init(
        replicas: Int = 1,
        sentinels: Int = 1,
        quorum: Int = 1,
        masterName: String = "anima",
        timeout: Duration = .seconds(30)
    ) async throws {
        self.masterName = masterName
        // Starting a server takes milliseconds, but seconds on a machine busy with the whole suite.
        let master = try await RedisServer(arguments: Self.dataNodeArguments, timeout: timeout)
        var nodes = [master]
        for _ in 0..<replicas {
            nodes.append(
                try await RedisServer(
                    arguments: Self.dataNodeArguments + ["--replicaof", "127.0.0.1", String(master.port)],
                    timeout: timeout
                )
            )
        }
        self.nodes = nodes
        // Online before the Sentinels start: the first INFO a Sentinel gets lists them all.
        let online = await Self.onlineReplicas(of: master.port, atLeast: replicas, timeout: timeout)
        guard online.count >= replicas else {
            throw Failure(description: "\(replicas) replicas of \(master.port) not online within \(timeout); online: \(online)")
        }
        var started: [RedisServer] = []
        for _ in 0..<sentinels {
            started.append(
                try await Self.startSentinel(monitoring: master.port, masterName: masterName, quorum: quorum, timeout: timeout)
            )
        }
        self.sentinels = started
        try await waitUntilSentinelsSeeEverything(replicas: replicas, timeout: timeout)
    }

    deinit {
        for server in sentinels + nodes { server.signal(SIGKILL) }
    }

    /// Runs `body` with a fresh topology, stopped afterwards whatever happens.
    public static func run<T>(
        replicas: Int = 1,
        sentinels: Int = 1,
        quorum: Int = 1,
        _ body: (SentinelTopology) async throws -> T
    ) async throws -> T {
        let topology = try await SentinelTopology(replicas: replicas, sentinels: sentinels, quorum: quorum)
        return try await withCleanup {
            try await body(topology)
        } cleanup: {
            await topology.stop()
        }
    }

    /// Lets paused nodes go on, then stops the Sentinels and the data nodes (SIGTERM, bounded).
    public func stop() async {
        for server in nodes + sentinels { server.signal(SIGCONT) }
        for server in sentinels + nodes { await server.stop() }
    }

    // MARK: URLs

    /// `127.0.0.1:P1,127.0.0.1:P2,…`: every Sentinel, in order.
    public var sentinelAddresses: String {
        sentinels.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")
    }

    /// `redis-sentinel://127.0.0.1:P1,…/anima`: every Sentinel and the master name.
    public var url: String { "redis-sentinel://\(sentinelAddresses)/\(masterName)" }

    // MARK: Sentinels

    /// The config file of a Sentinel watching 127.0.0.1:`port` as `masterName`.
    public static func sentinelConfiguration(monitoring port: Int, masterName: String = "anima", quorum: Int = 1) -> String {
        """
        sentinel monitor \(masterName) 127.0.0.1 \(port) \(quorum)
        sentinel down-after-milliseconds \(masterName) 1000
        sentinel failover-timeout \(masterName) 3000

        """
    }

    /// Starts one Sentinel (`redis-server FILE --sentinel --port P`, a config file of its own)
    /// that watches 127.0.0.1:`port` as `masterName`; ready once it answers PING (within `timeout`).
    public static func startSentinel(
        monitoring port: Int,
        masterName: String = "anima",
        quorum: Int = 1,
        timeout: Duration = .seconds(30)
    ) async throws -> RedisServer {
        try await RedisServer(
            configuration: sentinelConfiguration(monitoring: port, masterName: masterName, quorum: quorum),
            arguments: ["--sentinel"],
            timeout: timeout
        )
    }

    /// The master's port as the first running Sentinel that knows one answers; nil when none does.
    public func currentMaster() async -> Int? {
        for sentinel in sentinels where sentinel.isRunning {
            if let port = await masterPort(askedOf: sentinel) { return port }
        }
        return nil
    }

    /// The node that is master according to the Sentinels; nil when none answers.
    public func currentMasterNode() async -> RedisServer? {
        guard let port = await currentMaster() else { return nil }
        return node(port: port)
    }

    /// The data node listening on `port`.
    public func node(port: Int) -> RedisServer? {
        nodes.first { $0.port == port }
    }

    /// What `sentinel` answers to `SENTINEL GET-MASTER-ADDR-BY-NAME`: the port; nil on no answer.
    public func masterPort(askedOf sentinel: RedisServer) async -> Int? {
        let reply = try? await Self.send(RedisCommand("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName), to: sentinel.port)
        return reply?.array.flatMap { $0.count == 2 ? $0[1].string.flatMap(Int.init) : nil }
    }

    /// Every running Sentinel's answer to `SENTINEL GET-MASTER-ADDR-BY-NAME` (nil: no answer).
    public func masterPorts() async -> [Int?] {
        var ports: [Int?] = []
        for sentinel in sentinels where sentinel.isRunning { ports.append(await masterPort(askedOf: sentinel)) }
        return ports
    }

    /// `SENTINEL FAILOVER`, then waits (at most `timeout`) until every running Sentinel names
    /// another node as master and that node answers `ROLE` as a master. The old master stays
    /// up: Sentinel demotes it to a replica some seconds later.
    @discardableResult
    public func failover(timeout: Duration = .seconds(30)) async throws -> (old: RedisServer, new: RedisServer) {
        guard let oldPort = await currentMaster(), let old = node(port: oldPort),
            let sentinel = sentinels.first(where: \.isRunning)
        else {
            throw Failure(description: "no Sentinel names a master before the failover; \(logs())")
        }
        // Refused (`-NOGOODSLAVE`, `-INPROG`) until the Sentinel has fresh news of a replica.
        var refusal = ""
        let ordered = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            do {
                _ = try await Self.send(RedisCommand("SENTINEL", "FAILOVER", masterName), to: sentinel.port)
                return true
            } catch {
                refusal = "\(error)"
                return false
            }
        }
        guard ordered else {
            throw Failure(description: "SENTINEL FAILOVER kept being refused: \(refusal); \(logs())")
        }
        var seen: [Int?] = []
        var newRole = ""
        let switched = await eventually(timeout: timeout, interval: .milliseconds(20)) {
            seen = await masterPorts()
            guard let first = seen.first, let port = first, port != oldPort, seen.allSatisfy({ $0 == port }) else {
                return false
            }
            newRole = await Self.role(of: port) ?? "no answer"
            return newRole == "master"
        }
        guard switched, let newPort = seen.first ?? nil, let new = node(port: newPort) else {
            throw Failure(
                description: "after SENTINEL FAILOVER, expected every Sentinel to name a new master other than \(oldPort) "
                    + "answering ROLE master within \(timeout); Sentinels name \(seen), its ROLE: \(newRole); \(logs())"
            )
        }
        return (old, new)
    }

    /// SIGKILLs the current master (per the Sentinels) and waits until it is gone; returns it.
    @discardableResult
    public func killMaster() async throws -> RedisServer {
        guard let master = await currentMasterNode() else {
            throw Failure(description: "no Sentinel names a master to kill; \(logs())")
        }
        master.signal(SIGKILL)
        _ = await eventually(timeout: .seconds(5), interval: .milliseconds(10)) { !master.isRunning }
        return master
    }

    /// Freezes `node` (SIGSTOP): its connections stay open but it answers nothing.
    public func pause(_ node: RedisServer) { node.signal(SIGSTOP) }

    /// Lets a frozen `node` go on (SIGCONT).
    public func resume(_ node: RedisServer) { node.signal(SIGCONT) }

    // MARK: Replication

    /// Waits (at most `timeout`) until the current master has at least `count` replicas online
    /// (`INFO replication`, `state=online`); returns whether it did.
    public func waitForReplicasOnline(_ count: Int, timeout: Duration = .seconds(30)) async -> Bool {
        var online: [Int] = []
        _ = await eventually(timeout: timeout, interval: .milliseconds(20)) {
            guard let master = await currentMaster() else { return false }
            online = await Self.onlineReplicas(of: master, atLeast: count, timeout: .zero)
            return online.count >= count
        }
        return online.count >= count
    }

    /// The ports of the replicas that `port` lists as online in `INFO replication`, once there
    /// are at least `count` or `timeout` passed.
    static func onlineReplicas(of port: Int, atLeast count: Int, timeout: Duration) async -> [Int] {
        var online: [Int] = []
        _ = await eventually(timeout: timeout, interval: .milliseconds(20)) {
            guard let info = try? await send(RedisCommand("INFO", "replication"), to: port).string else { return false }
            online = info.split(whereSeparator: \.isNewline).compactMap { line -> Int? in
                guard line.hasPrefix("slave"), line.contains("state=online") else { return nil }
                let fields = line.split(separator: ",")
                return fields.first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst("port=".count)) }
            }
            return online.count >= count
        }
        return online
    }

    // MARK: Talking to the nodes

    /// Sends one command to 127.0.0.1:`port` on a connection of its own (plain `redis://`, on a
    /// thread of its own), bounded by `timeout`. Throws on an error reply.
    public static func send(_ command: RedisCommand, to port: Int, timeout: Duration = .seconds(2)) async throws -> RedisValue {
        let configuration = RedisConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: port),
            connectTimeout: TestTime.scaled(timeout),
            commandTimeout: TestTime.scaled(timeout)
        )
        return try await runBlocking {
            let connection = RedisConnection(configuration: configuration)
            defer { connection.close() }
            return try connection.send(command)
        }
    }

    /// The first element of `ROLE` on `port` (`master`, `slave`, `sentinel`); nil on no answer.
    public static func role(of port: Int) async -> String? {
        try? await send(RedisCommand("ROLE"), to: port).array?.first?.string
    }

    /// The connections open on 127.0.0.1:`port` (`CLIENT LIST`), one `field: value` map each,
    /// without the one asking.
    public static func clients(on port: Int) async throws -> [[String: String]] {
        let list = try await send(RedisCommand("CLIENT", "LIST"), to: port).string ?? ""
        return list.split(whereSeparator: \.isNewline).map { line in
            var fields: [String: String] = [:]
            for field in line.split(separator: " ") {
                guard let equals = field.firstIndex(of: "=") else { continue }
                fields[String(field[..<equals])] = String(field[field.index(after: equals)...])
            }
            return fields
        }.filter { $0["cmd"] != "client|list" }
    }

    /// The connections of applications on 127.0.0.1:`port`: ``clients(on:)`` without those of
    /// Sentinels (named `sentinel-…`) and of replicas (flag `S`).
    public static func applicationClients(on port: Int) async throws -> [[String: String]] {
        try await clients(on: port).filter {
            !($0["name"] ?? "").hasPrefix("sentinel-") && !($0["flags"] ?? "").contains("S")
        }
    }

    /// The last lines of every Sentinel's log, for failure messages.
    public func logs(lines: Int = 15) -> String {
        sentinels.map { sentinel in
            let text = (try? String(contentsOf: sentinel.directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n").suffix(lines).joined(separator: "\n")
            return "Sentinel \(sentinel.port) log:\n\(tail)"
        }.joined(separator: "\n")
    }

    /// `SENTINEL MASTER` / `SENTINEL REPLICAS` replies, a flat `[name, value, …]` list per entry.
    private static func fields(_ value: RedisValue?) -> [String: String] {
        guard let items = value?.array else { return [:] }
        var fields: [String: String] = [:]
        var index = 0
        while index + 1 < items.count {
            if let name = items[index].string { fields[name] = items[index + 1].string }
            index += 2
        }
        return fields
    }

    /// Waits until every Sentinel sees the master (flags exactly `master`), `replicas` replicas
    /// (each flagged exactly `slave`: linked, not down) and every other Sentinel.
    private func waitUntilSentinelsSeeEverything(replicas: Int, timeout: Duration) async throws {
        var state = ""
        let ready = await eventually(timeout: timeout, interval: .milliseconds(50)) {
            for sentinel in sentinels {
                let master = Self.fields(
                    try? await Self.send(RedisCommand("SENTINEL", "MASTER", masterName), to: sentinel.port)
                )
                let known =
                    (try? await Self.send(RedisCommand("SENTINEL", "REPLICAS", masterName), to: sentinel.port))?
                    .array?.map { Self.fields($0) } ?? []
                state =
                    "Sentinel \(sentinel.port): master flags \(master["flags"] ?? "?"), "
                    + "\(master["num-other-sentinels"] ?? "?") other Sentinels, replicas \(known.map { "\($0["port"] ?? "?") \($0["flags"] ?? "?")" })"
                guard master["flags"] == "master", master["num-other-sentinels"] == String(sentinels.count - 1),
                    known.count == replicas, known.allSatisfy({ $0["flags"] == "slave" })
                else { return false }
            }
            return true
        }
        guard ready else {
            throw Failure(description: "the Sentinels did not see the whole topology within \(timeout): \(state); \(logs())")
        }
    }
}
