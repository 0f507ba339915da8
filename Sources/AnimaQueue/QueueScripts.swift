import AnimaRedis

/// The Lua scripts that make each queue step atomic. Keys are passed in; the recovery script
/// derives per-worker key names from the prefix (and ``SettleScript`` takes some in ARGV), so
/// the queue lives on one Redis node (not a cluster). A processing list has its oldest entry at
/// the tail (popped from the pending list's right, pushed at the processing list's left), and
/// the oldest is usually settled first: so `LREM` searches from the tail (count -1), which cut
/// its cost on the server to a quarter with a few hundred entries taken.
enum QueueScripts {
    /// Moves up to ARGV[1] events from the pending list to this worker's processing list: one
    /// `RPOP` with a count and `LPUSH`es of 500 at most (Lua's `unpack` limit), the same
    /// order as moving them one by one with `LMOVE … RIGHT LEFT`, in two calls instead of one
    /// per event. With KEYS[3] (the workers set) and ARGV[2] (this worker's id), the worker is
    /// registered in the same step.
    ///
    /// Every step that moves events into a processing list registers its worker so: recovery
    /// returns the lists of registered workers only. A live worker whose heartbeat expired (an
    /// outage, a stall) can be recovered and forgotten; were it to take events and die before
    /// its next heartbeat registered it again, nobody would ever return them.
    static let take = RedisScript(
        """
        local out = redis.call('RPOP', KEYS[1], ARGV[1])
        if not out then return {} end
        for c = 1, #out, 500 do redis.call('LPUSH', KEYS[2], unpack(out, c, math.min(c + 499, #out))) end
        if KEYS[3] then redis.call('SADD', KEYS[3], ARGV[2]) end
        return out
        """
    )

    /// Claims one event id, as ``claimBatch`` does it for a batch (kept for the C reference of
    /// `scripts/bench`, which runs it): 1 claimed (lease set), 0 already done, 2 held by
    /// another lease.
    static let claim = RedisScript(
        """
        local v = redis.call('GET', KEYS[1])
        if not v then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        if v == 'done' then return 0 end
        return 2
        """
    )

    /// Claims a batch: KEYS are the events' marks, ARGV[1] the lease (ms), ARGV[1 + i] the
    /// token of KEYS[i]. One result per mark, in order, as `claim` answers: 1 claimed, 0
    /// already done, 2 held by another lease (a duplicate id later in the batch sees the
    /// first's lease). Each claim runs under `pcall`: one that fails answers its error and
    /// leaves its neighbours' claims made. A claim that finds the mark free costs one command
    /// (`SET NX PX`); only a taken mark is read.
    static let claimBatch = RedisScript(
        """
        local function claim(key, token)
          if redis.call('SET', key, token, 'NX', 'PX', ARGV[1]) then return 1 end
          if redis.call('GET', key) == 'done' then return 0 end
          return 2
        end
        local out = {}
        for i = 1, #KEYS do
          local ok, r = pcall(claim, KEYS[i], ARGV[i + 1])
          if ok then out[i] = r elseif type(r) == 'table' then out[i] = r else out[i] = { err = tostring(r) } end
        end
        return out
        """
    )

    /// Extends a lease if it is still ours: 1. 2 when no lease is left (it expired: a Redis
    /// outage or a stall longer than the lease); 0 when another owns it or it is done.
    static let renew = RedisScript(
        """
        local v = redis.call('GET', KEYS[1])
        if v == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        if not v then return 2 end
        return 0
        """
    )

    /// Takes an expired lease again, but only while nobody else holds one and the entry ARGV[3]
    /// is still in our processing list: once the event is settled (which also deletes the lease)
    /// a late renewal must not bring the lease back. 1 when the lease is ours.
    static let retake = RedisScript(
        """
        local v = redis.call('GET', KEYS[1])
        if v == ARGV[1] then return 1 end
        if v or not redis.call('LPOS', KEYS[2], ARGV[3]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """
    )

    /// Success, one event per call, as ``SettleScript``'s complete step does it for a batch
    /// (kept for the C reference of `scripts/bench`, which runs it): writes the done mark unless
    /// another worker owns the id now, and acknowledges the entry. 1: the mark was written. 2:
    /// the mark was there and our entry already gone (an earlier call whose reply was lost, when
    /// retrying; else our entry was recovered by another worker). 0: another worker owns the id
    /// or wrote the mark; its result stands.
    static let complete = RedisScript(
        """
        local v = redis.call('GET', KEYS[1])
        local removed = redis.call('LREM', KEYS[2], '-1', ARGV[2])
        if (not v) or v == ARGV[1] then
          redis.call('SET', KEYS[1], 'done', 'EX', ARGV[3])
          return 1
        end
        if v == 'done' and removed == 0 then return 2 end
        return 0
        """
    )

    /// Moves up to ARGV[1] due entries from the retry set to the pending list, by the server's clock.
    static let promote = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        for _, m in ipairs(due) do
          redis.call('ZREM', KEYS[1], m)
          redis.call('LPUSH', KEYS[2], m)
        end
        return #due
        """
    )

    /// For every registered worker whose heartbeat expired: moves the events of its processing
    /// list back to the front of the pending list with one more attempt counted, and forgets
    /// the worker. Atomic, so two recoverers never both take an event. Returns how many moved.
    static let recover = RedisScript(
        """
        local recovered = 0
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          if redis.call('EXISTS', ARGV[1] .. ':worker:' .. id) == 0 then
            local list = ARGV[1] .. ':processing:' .. id
            local e = redis.call('LPOP', list)
            while e do
              local a, nonce, rest = string.match(e, '^#anima:v1 (%d+) (%S+)\\n()')
              local out
              if a then
                out = '#anima:v1 ' .. (tonumber(a) + 1) .. ' ' .. nonce .. '\\n' .. string.sub(e, rest)
              else
                out = '#anima:v1 1 r' .. recovered .. '\\n' .. e
              end
              redis.call('RPUSH', KEYS[2], out)
              recovered = recovered + 1
              e = redis.call('LPOP', list)
            end
            redis.call('SREM', KEYS[1], id)
          end
        end
        return recovered
        """
    )

    /// Clean stop: puts whatever is left in our processing list back on the pending list
    /// unchanged, and removes our heartbeat and registration.
    static let deregister = RedisScript(
        """
        local e = redis.call('LPOP', KEYS[1])
        local n = 0
        while e do
          redis.call('RPUSH', KEYS[2], e)
          n = n + 1
          e = redis.call('LPOP', KEYS[1])
        end
        redis.call('DEL', KEYS[3])
        redis.call('SREM', KEYS[4], ARGV[1])
        return n
        """
    )
}
