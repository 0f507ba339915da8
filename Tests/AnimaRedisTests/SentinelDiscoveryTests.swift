import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// Finding the master through real Sentinels, refusing what is not a master, and following a
/// failover: `redis-sentinel://` against throwaway `redis-server --sentinel` processes.
@Suite("Redis Sentinel: discovery and failover")
struct SentinelDiscoveryTests {
    @Test func discoveryWorksWhenTheFirstListedSentinelIsDown() async throws {
        try await SentinelTopology.run(replicas: 0, sentinels: 1) { t in
            let nothingThere = FreePort.find()
            let url = "redis-sentinel://127.0.0.1:\(nothingThere),\(t.sentinelAddresses)/\(t.masterName)"
            let key = uniqueKey()
            try await withClient(url) { client in
                _ = try await client.send(RedisCommand("SET", key, "found"))
            }
            let onMaster = try await SentinelTopology.send(RedisCommand("GET", key), to: t.firstMaster.port)
            #expect(onMaster.string == "found", "expected the key on the master \(t.firstMaster.port), saw \(onMaster)")
        }
    }

    @Test func replicaNamedAsMasterIsRefusedByRole() async throws {
        // A Sentinel told to watch a replica's address as `anima` keeps naming it (it reports
        // itself as a replica, and having no replicas of its own it cannot be failed over).
        let master = try await RedisServer(arguments: SentinelTopology.dataNodeArguments, timeout: .seconds(30))
        let replica = try await RedisServer(
            arguments: SentinelTopology.dataNodeArguments + ["--replicaof", "127.0.0.1", String(master.port)],
            timeout: .seconds(30)
        )
        let sentinel = try await SentinelTopology.startSentinel(monitoring: replica.port)
        let named = try await SentinelTopology.send(
            RedisCommand("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "anima"), to: sentinel.port
        )
        let role = await SentinelTopology.role(of: replica.port)
        try #require(
            named.array?.last?.string == String(replica.port) && role == "slave",
            "setup: expected the Sentinel to name the replica \(replica.port) (ROLE slave), saw \(named), ROLE \(role ?? "none")"
        )
        let key = uniqueKey()
        // ROLE is asked again until the connect timeout: long enough here for a busy machine.
        var configuration = try RedisConfiguration(url: "redis-sentinel://127.0.0.1:\(sentinel.port)/anima")
        configuration.connectTimeout = .seconds(3)
        let client = RedisClient(configuration: configuration)
        let error = await redisError { _ = try await client.send(RedisCommand("SET", key, "v")) }
        await client.shutdown()
        #expect(error?.code == .notMaster, "expected .notMaster, saw \(String(describing: error))")
        #expect(error?.isConnectionProblem == true, "\(String(describing: error)) is not a connection problem")
        await sentinel.stop()
        await replica.stop()
        await master.stop()
    }

    @Test func unknownMasterNameIsMasterNotFound() async throws {
        try await SentinelTopology.run(replicas: 0, sentinels: 1) { t in
            try await withClient("redis-sentinel://\(t.sentinelAddresses)/no-such-master") { client in
                let error = await redisError { _ = try await client.send(RedisCommand("PING")) }
                #expect(error?.code == .masterNotFound, "expected .masterNotFound, saw \(String(describing: error))")
                #expect(error?.isConnectionProblem == true, "\(String(describing: error)) is not a connection problem")
            }
        }
    }

    @Test func writesAfterTheSwitchGoToTheNewMasterAndNeverToTheOldOne() async throws {
        try await SentinelTopology.run(replicas: 1, sentinels: 1) { t in
            try await withClient(t.url) { client in
                let name = "anima-test-\(UUID().uuidString.prefix(8).lowercased())"
                _ = try await client.send(RedisCommand("CLIENT", "SETNAME", name))
                let before = uniqueKey("before")
                _ = try await client.send(RedisCommand("SET", before, "v"))
                let onFirst = try await SentinelTopology.send(RedisCommand("GET", before), to: t.firstMaster.port)
                try #require(onFirst.string == "v", "setup: the first write is not on the first master: \(onFirst)")

                let (old, new) = try await t.failover()
                // The client learns of the switch from Sentinel as the test does: wait for the
                // mechanism (its connection to the old master gone), not for a while.
                let dropped = await eventually(timeout: .seconds(20), interval: .milliseconds(20)) {
                    (try? await clientNames(on: old.port).contains(name)) == false
                }
                try #require(dropped, "the client kept its connection to the old master \(old.port)")
                // Around the switch a command may fail (the connection dropped, the node
                // refusing); each such failure must be a connection problem, and a retry works.
                var written: [String] = []
                var failures: [RedisError] = []
                let wrote = await eventually(timeout: .seconds(15), interval: .milliseconds(50)) {
                    let key = uniqueKey("after")
                    if let error = await redisError({ _ = try await client.send(RedisCommand("SET", key, "v")) }) {
                        failures.append(error)
                        return false
                    }
                    written.append(key)
                    return written.count >= 5
                }
                #expect(wrote, "expected 5 writes within the bound after the failover; failures: \(failures)")
                #expect(failures.allSatisfy { $0.isConnectionProblem }, "expected only connection problems, saw \(failures)")
                for key in written {
                    let onNew = try await SentinelTopology.send(RedisCommand("GET", key), to: new.port)
                    #expect(onNew.string == "v", "\(key) is not on the new master \(new.port): \(onNew)")
                    // Until Sentinel demotes the old master (seconds later) it is a master of its
                    // own: a key there was written there. Read first, then check that it still is.
                    let onOld = try? await SentinelTopology.send(RedisCommand("GET", key), to: old.port)
                    if await SentinelTopology.role(of: old.port) == "master" {
                        #expect(
                            onOld == RedisValue.null,
                            "\(key) was written to the old master \(old.port) after the switch: \(String(describing: onOld))")
                    }
                }
            }
        }
    }

    @Test func switchMasterAnnouncementDropsTheConnectionToTheOldMaster() async throws {
        try await SentinelTopology.run(replicas: 1, sentinels: 1) { t in
            try await withClient(t.url) { client in
                let name = "anima-test-\(UUID().uuidString.prefix(8).lowercased())"
                _ = try await client.send(RedisCommand("CLIENT", "SETNAME", name))
                let old = t.firstMaster
                let before = try await clientNames(on: old.port)
                try #require(before.contains(name), "setup: no connection named \(name) on the master \(old.port): \(before)")

                try await t.failover()
                var names: [String] = []
                let dropped = await eventually(timeout: .seconds(20), interval: .milliseconds(20)) {
                    names = (try? await clientNames(on: old.port)) ?? [name]
                    return !names.contains(name)
                }
                // Sentinel demotes the old master some seconds after the switch and then kills its
                // clients: the drop only counts while the old master is still a master.
                let oldRole = await SentinelTopology.role(of: old.port)
                #expect(dropped, "the client kept its connection to the old master \(old.port): clients \(names)")
                #expect(
                    oldRole == "master",
                    """
                    expected the old master still undemoted when the client dropped it, saw ROLE \(oldRole ?? "none"): \
                    the client did not act on +switch-master; Sentinel killed the connection
                    """
                )
            }
        }
    }

    @Test func readOnlyReplyDropsTheConnectionAndTheNextCommandReconnects() async throws {
        try await withNodeThatTurnsReplica { client in
            let error = await redisError { _ = try await client.send(RedisCommand("SET", uniqueKey(), "v")) }
            #expect(error?.code == .failover, "expected .failover for a write to a replica, saw \(String(describing: error))")
            #expect(error?.isConnectionProblem == true, "\(String(describing: error)) is not a connection problem")
        }
    }

    @Test func readOnlyReplyInsideAScriptErrorAlsoDropsTheConnection() async throws {
        try await withNodeThatTurnsReplica { client in
            let script = "return redis.call('SET', KEYS[1], 'v')"
            let error = await redisError { _ = try await client.send(RedisCommand("EVAL", script, 1, uniqueKey())) }
            #expect(error?.code == .failover, "expected .failover for a script writing to a replica, saw \(String(describing: error))")
        }
    }

    /// A plain `redis://` client on a node, the node made a replica (`REPLICAOF`), `body` with
    /// both, then the node made a master again (`REPLICAOF NO ONE`): the next write must work at
    /// once, on a new connection (another `CLIENT ID`).
    private func withNodeThatTurnsReplica(_ body: (RedisClient) async throws -> Void) async throws {
        let node = try await RedisServer(arguments: SentinelTopology.dataNodeArguments, timeout: .seconds(30))
        let other = try await RedisServer(arguments: SentinelTopology.dataNodeArguments, timeout: .seconds(30))
        try await withClient(node.url) { client in
            _ = try await client.send(RedisCommand("SET", uniqueKey(), "v"))
            let idBefore = try await client.send(RedisCommand("CLIENT", "ID"))
            _ = try await SentinelTopology.send(RedisCommand("REPLICAOF", "127.0.0.1", other.port), to: node.port)
            try #require(await SentinelTopology.role(of: node.port) == "slave", "setup: REPLICAOF did not make the node a replica")

            try await body(client)

            _ = try await SentinelTopology.send(RedisCommand("REPLICAOF", "NO", "ONE"), to: node.port)
            let key = uniqueKey("again")
            let again = await redisError { _ = try await client.send(RedisCommand("SET", key, "v")) }
            #expect(again == nil, "the first write after REPLICAOF NO ONE failed: \(String(describing: again))")
            let idAfter = try await client.send(RedisCommand("CLIENT", "ID"))
            #expect(idAfter != idBefore, "expected a new connection after the error, saw the same CLIENT ID \(idAfter)")
        }
        await node.stop()
        await other.stop()
    }
}

/// The names of the connections open on 127.0.0.1:`port` (`CLIENT LIST`).
private func clientNames(on port: Int) async throws -> [String] {
    try await SentinelTopology.clients(on: port).compactMap { $0["name"] }
}
