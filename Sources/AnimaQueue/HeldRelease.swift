import AnimaRedis

/// Moves the events of a list that holds them back (newest first: a paused type's, a
/// limited type's) to the taking end of the pending list, so that the oldest is taken first.
enum HeldRelease {
    /// Moves all of `list` onto `events`; returns how many moved.
    static func all(from list: String, to events: String, client: RedisClient) async throws(RedisError) -> Int {
        var released = 0
        while true {
            let moved = try await client.evaluate(script, keys: [list, events], arguments: [step]).int ?? 0
            released += moved
            if moved < step { return released }
        }
    }

    /// Events moved per script call: bounded, so Redis is never blocked for long. Within one
    /// step the order is exact; workers may take between steps.
    static let step = 10_000

    /// Moves up to ARGV[1] events, newest first, to the taking (right) end of the pending list.
    static let script = RedisScript(
        """
        local n = 0
        while n < tonumber(ARGV[1]) do
          local e = redis.call('LPOP', KEYS[1])
          if not e then break end
          redis.call('RPUSH', KEYS[2], e)
          n = n + 1
        end
        return n
        """
    )
}
