public import AnimaRedis

/// Pause and resume per event type, held in Redis so that it lasts across worker restarts.
///
/// A paused type is a member of `anima:paused`. A worker that takes an event of a paused type
/// parks it, unchanged and without counting an attempt, on `anima:paused:<type>` (newest first);
/// `resume` removes the type from the set first, then moves the parked events back to the
/// taking end of the pending list, oldest last-moved so that they run in their original order.
public struct PausedTypes: Sendable {
    public let keys: QueueKeys
    private let client: RedisClient

    public init(keys: QueueKeys, client: RedisClient) {
        self.keys = keys
        self.client = client
    }

    /// Pauses `type`; false when it was paused already.
    public func pause(_ type: String) async throws(RedisError) -> Bool {
        try await client.send(RedisCommand("SADD", keys.paused, type)).int == 1
    }

    /// Resumes `type` and queues its parked events again; returns how many were parked and
    /// whether the type was paused at all.
    public func resume(_ type: String) async throws(RedisError) -> (wasPaused: Bool, released: Int) {
        let wasPaused = try await client.send(RedisCommand("SREM", keys.paused, type)).int == 1
        return (wasPaused, try await HeldRelease.all(from: keys.paused(type: type), to: keys.events, client: client))
    }

    /// The paused types, sorted.
    public func types() async throws(RedisError) -> [String] {
        let members = try await client.send(RedisCommand("SMEMBERS", keys.paused)).array ?? []
        return members.compactMap(\.string).sorted()
    }

    /// How many events wait parked, per paused type.
    public func parked() async throws(RedisError) -> [String: Int] {
        let types = try await types()
        if types.isEmpty { return [:] }
        let counts = try await client.pipeline(types.map { RedisCommand("LLEN", keys.paused(type: $0)) })
        return Dictionary(uniqueKeysWithValues: zip(types, counts.map { $0.int ?? 0 }))
    }
}
