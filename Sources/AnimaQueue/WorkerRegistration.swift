public import AnimaRedis
import Foundation
import NIOCore
import NIOFoundationCompat

/// A worker's first heartbeat: registered, or refused because a live worker orders events by
/// another `ANIMA_ORDER_KEY` (or orders them while this one does not, or the other way round).
/// Mixed workers would break the order: one that orders nothing takes past a held key.
public enum WorkerRegistration: Sendable, Equatable {
    case registered
    /// The live worker `workerID` uses `orderKey` (nil: no ordering).
    case refused(workerID: String, orderKey: String?)

    /// Checks the live workers' heartbeats and registers in one script, so two workers starting
    /// at once with different keys cannot both pass. KEYS: workers set, our heartbeat; ARGV: our
    /// id, heartbeat, TTL ms, prefix, our order key ('' for none). Returns false when registered,
    /// else {id, their key}.
    static let script = RedisScript(
        """
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          if id ~= ARGV[1] then
            local beat = redis.call('GET', ARGV[4] .. ':worker:' .. id)
            if beat then
              local ok, t = pcall(cjson.decode, beat)
              local theirs = ''
              if ok and type(t) == 'table' and type(t['order_key']) == 'string' then theirs = t['order_key'] end
              if theirs ~= ARGV[5] then return {id, theirs} end
            end
          end
        end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('SADD', KEYS[1], ARGV[1])
        return false
        """
    )
}

extension WorkerQueue {
    /// The first heartbeat (see ``WorkerRegistration``); ``heartbeat(_:ttl:)`` refreshes it.
    public func register(_ beat: WorkerHeartbeat, ttl: Duration) async throws(RedisError) -> WorkerRegistration {
        let reply = try await operations.evaluate(
            WorkerRegistration.script,
            keys: [keys.workers, keys.worker(id: workerID)],
            arguments: [workerID, ByteBuffer(data: beat.encoded()), ttl.milliseconds, keys.prefix, beat.orderKey ?? ""]
        )
        guard let other = reply.array, other.count == 2, let id = other[0].string else { return .registered }
        let theirs = other[1].string ?? ""
        return .refused(workerID: id, orderKey: theirs.isEmpty ? nil : theirs)
    }
}
