import AnimaRedis
import Hummingbird
import Logging

/// `/readyz`: ready while the ingress's Redis node answers `ROLE` as a master with at least
/// `ANIMA_MIN_REPLICAS` replicas connected, so a load balancer stops sending while pushes
/// would only get 503.
struct Readiness: Sendable {
    let probe: RedisClient
    let minReplicas: Int

    func response(logger: Logger) async -> Response {
        let role: [RedisValue]
        do {
            role = try await self.role()
        } catch {
            logger.debug("not ready: \(error)")  // probes ask every few seconds; push failures log at warning
            return JSONAnswers.response(.serviceUnavailable, #"{"ready":false,"error":"Redis unavailable"}"#)
        }
        guard role.first?.string == "master" else {
            return JSONAnswers.response(.serviceUnavailable, #"{"ready":false,"error":"Redis node is not a master"}"#)
        }
        let replicas = role.count > 2 ? role[2].array?.count ?? 0 : 0
        guard replicas >= minReplicas else {
            return JSONAnswers.response(
                .serviceUnavailable,
                #"{"ready":false,"error":"\#(replicas) of \#(minReplicas) required replicas connected","replicas":\#(replicas)}"#
            )
        }
        return JSONAnswers.response(.ok, #"{"ready":true,"replicas":\#(replicas)}"#)
    }

    /// `ROLE`, asked twice when the first answer is a dropped connection: after a failover the
    /// probe's connection to the old master is closed, and the second try finds the new one.
    private func role() async throws(RedisError) -> [RedisValue] {
        do {
            return try await probe.send(RedisCommand("ROLE")).array ?? []
        } catch  where error.isConnectionProblem && error.code != .timeout {
            return try await probe.send(RedisCommand("ROLE")).array ?? []
        }
    }
}
