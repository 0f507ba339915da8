import AnimaRedis
import Foundation

/// A master, one replica and one Sentinel that speak TLS to each other (`tls-replication yes`)
/// and to clients: the set-up `rediss-sentinel://` is for. Each server keeps its plain port and
/// unix socket for the fixture's own checks (``SentinelTopology/send(_:to:timeout:)``); the
/// Sentinel monitors and announces the TLS ports.
public final class TLSSentinelTopology: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let masterName = "anima"
    /// `nodes[0]` is the first master, `nodes[1]` its replica; both speak TLS on their `tlsPort`.
    public let nodes: [TLSRedisServer]
    public let sentinel: TLSRedisServer

    public init(certificates: TLSCertificates, timeout: Duration = TestTime.scaled(.seconds(30))) async throws {
        let replication = ["--tls-replication", "yes"] + SentinelTopology.dataNodeArguments
        let master = try await TLSRedisServer(certificates: certificates, arguments: replication)
        let replica = try await TLSRedisServer(
            certificates: certificates,
            arguments: replication + ["--replicaof", "127.0.0.1", String(master.tlsPort)]
        )
        nodes = [master, replica]
        let online = await SentinelTopology.onlineReplicas(of: master.server.port, atLeast: 1, timeout: timeout)
        guard !online.isEmpty else { throw Failure(description: "the replica did not come online over TLS within \(timeout)") }
        sentinel = try await TLSRedisServer(
            certificates: certificates,
            configuration: SentinelTopology.sentinelConfiguration(monitoring: master.tlsPort, masterName: masterName),
            arguments: ["--sentinel", "--tls-replication", "yes"]
        )
        let seen = await eventually(timeout: timeout, interval: .milliseconds(50)) {
            let replicas = try? await SentinelTopology.send(RedisCommand("SENTINEL", "REPLICAS", "anima"), to: self.sentinel.server.port)
            return replicas?.array?.count == 1
        }
        guard seen else { throw Failure(description: "the Sentinel did not see the replica within \(timeout)") }
    }

    /// Runs `body` with a fresh topology, stopped afterwards whatever happens.
    public static func run(certificates: TLSCertificates, _ body: (TLSSentinelTopology) async throws -> Void) async throws {
        let topology = try await TLSSentinelTopology(certificates: certificates)
        try await withCleanup({ try await body(topology) }, cleanup: { await topology.stop() })
    }

    public func stop() async {
        await sentinel.stop()
        for node in nodes { await node.stop() }
    }

    /// `rediss-sentinel://127.0.0.1:SENTINEL_TLS_PORT/anima`.
    public var url: String { "rediss-sentinel://127.0.0.1:\(sentinel.tlsPort)/\(masterName)" }

    /// The node the Sentinel names as master; nil when it names none.
    public func currentMaster() async -> TLSRedisServer? {
        let reply = try? await SentinelTopology.send(
            RedisCommand("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName),
            to: sentinel.server.port
        )
        guard let port = reply?.array?.last?.string.flatMap(Int.init) else { return nil }
        return nodes.first { $0.tlsPort == port }
    }

    /// `SENTINEL FAILOVER`, then waits until the Sentinel names the other node and it answers
    /// `ROLE` as a master. Returns the new master.
    @discardableResult
    public func failover(timeout: Duration = TestTime.scaled(.seconds(30))) async throws -> TLSRedisServer {
        guard let old = await currentMaster() else { throw Failure(description: "the Sentinel names no master") }
        var refusal = ""
        let ordered = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            do {
                _ = try await SentinelTopology.send(RedisCommand("SENTINEL", "FAILOVER", self.masterName), to: self.sentinel.server.port)
                return true
            } catch {
                refusal = "\(error)"
                return false
            }
        }
        guard ordered else { throw Failure(description: "SENTINEL FAILOVER kept being refused: \(refusal)") }
        var new: TLSRedisServer?
        let switched = await eventually(timeout: timeout, interval: .milliseconds(20)) {
            guard let named = await self.currentMaster(), named !== old else { return false }
            new = named
            return await SentinelTopology.role(of: named.server.port) == "master"
        }
        guard switched, let new else { throw Failure(description: "no new master within \(timeout) after SENTINEL FAILOVER") }
        return new
    }
}
