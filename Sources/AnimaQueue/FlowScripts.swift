import AnimaRedis

/// The scripts of flow control per type (``FlowLimit``, ``BreakerSettings``). Every rule is
/// checked in the script that starts an attempt, so all workers share one count:
///
/// - a new event of a limited type is admitted in the claim (``claimBatch``): it gets a slot
///   (`anima:flow:slots:<type>`, scored by when it expires unless its worker renews it), its
///   share of the rate (a GCRA: `anima:flow:rate:<type>` is when the next start is due), or
///   the breaker's one probe. Refused, or behind events held already, it moves from the
///   processing list to `anima:held:<type>` in the same script, unclaimed: no attempt used;
/// - workers take held events back, oldest first, as room comes (``takeHeld``), each with its
///   slot and rate share taken in the same script;
/// - the settle of an attempt (``settle``, run inside ``SettleScript``) frees its slot and
///   gives the breaker the attempt's result: the breaker opens on the failure share of the
///   last window (the current window and the previous one weighted by how much of it is still
///   inside the last `window`), and the probe's result closes or reopens it.
///
/// Times are the server's (`TIME`, ms), so workers' clocks never matter.
enum FlowScripts {
    /// `flowNow()` (the server's time, ms) and `decoded(json)` (a table, or nil).
    static let basics = """
        local function flowNow()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local function decoded(raw)
          if not raw then return nil end
          local ok, c = pcall(cjson.decode, raw)
          if ok and type(c) == 'table' then return c end
          return nil
        end
        """

    /// ``basics``, `flowOf(prefix, type, now)`, `room(f, now)`, `start(f, now, token, probe,
    /// lease)` and `finish(f, now)`. `flowOf` reads a type's settings and state once per script
    /// call; `room` and `start` keep that state up to date in the table, so the later events of
    /// the type in the same call cost no read, and `finish` writes the call's new slots (one
    /// `ZADD` per 500) and the rate's next-due time once.
    static let gates =
        basics + "\n" + """
            local function flowOf(prefix, t, now)
              local f = { slots = prefix .. ':flow:slots:' .. t, rateKey = prefix .. ':flow:rate:' .. t,
                state = prefix .. ':breaker:' .. t, held = prefix .. ':held:' .. t }
              local limit = decoded(redis.call('HGET', prefix .. ':limits', t))
              if limit then
                f.concurrency = tonumber(limit['concurrency'])
                f.rate, f.per = tonumber(limit['rate']), tonumber(limit['per_ms']) or 1000
              end
              if decoded(redis.call('HGET', prefix .. ':breakers', t)) then
                local s = redis.call('HMGET', f.state, 'state', 'until', 'probe_until')
                f.breakerState, f.due = s[1], tonumber(s[1] == 'open' and s[2] or s[3]) or 0
              end
              if f.concurrency then
                redis.call('ZREMRANGEBYSCORE', f.slots, '-inf', now)
                f.inUse = redis.call('ZCARD', f.slots)
              end
              if f.rate and f.rate > 0 then
                f.T = f.per / f.rate
                f.burst = math.max(1, math.floor(f.rate * 100 / f.per))
                f.tat = math.max(tonumber(redis.call('GET', f.rateKey)) or now, now)
              end
              return f
            end
            -- How many attempts may start now (math.huge: no bound), whether the first is the
            -- breaker's probe, and why none may (3: a limit, 4: the breaker).
            local function room(f, now)
              local n, probe = math.huge, false
              if f.breakerState == 'open' or f.breakerState == 'probing' then
                if now < f.due then return 0, false, 4 end
                n, probe = 1, true
              end
              if f.concurrency then n = math.min(n, math.max(f.concurrency - f.inUse, 0)) end
              if f.T then
                n = math.min(n, math.max(math.floor((f.T * (f.burst - 1) - (f.tat - now)) / f.T) + 1, 0))
              end
              return n, probe, n == 0 and 3 or 0
            end
            local function start(f, now, token, probe, lease)
              if f.concurrency then
                f.inUse = f.inUse + 1
                f.newSlots = f.newSlots or {}
                f.newSlots[#f.newSlots + 1] = now + lease
                f.newSlots[#f.newSlots + 1] = token
              end
              if f.T then f.tat, f.started = f.tat + f.T, true end
              if probe then
                redis.call('HSET', f.state, 'state', 'probing', 'probe', token, 'probe_until', now + lease)
                f.breakerState, f.due = 'probing', now + lease
              end
            end
            local function finish(f, now)
              local slots = f.newSlots or {}
              for from = 1, #slots, 1000 do redis.call('ZADD', f.slots, unpack(slots, from, math.min(from + 999, #slots))) end
              if f.started then
                redis.call('SET', f.rateKey, string.format('%.3f', f.tat), 'PX', math.ceil(f.tat - now) + 1000)
              end
              f.newSlots, f.started = nil, false
            end
            """

    /// Claims a batch as ``QueueScripts/claimBatch`` does, admitting the events of limited
    /// types. KEYS: the marks. ARGV: lease (ms), prefix, processing list, then per mark: token,
    /// type ('' when not flow-controlled), entry ('' likewise). Per mark: 1 claimed, 0 already
    /// done, 2 held by another lease, 3 held back by a limit, 4 by the breaker (moved to the
    /// type's held list, unclaimed).
    static let claimBatch = RedisScript(
        gates + "\n"
            + """
            local lease, prefix, processing, now = tonumber(ARGV[1]), ARGV[2], ARGV[3], nil
            local flows = {}
            -- Only an entry still ours moves (a claim sent again after a lost reply finds it gone).
            local function hold(f, entry, why)
              if redis.call('LREM', processing, '-1', entry) == 1 then
                redis.call('LPUSH', f.held, entry)
                f.heldCount = f.heldCount + 1
              end
              return why
            end
            local function claim(key, token, t, entry)
              if t == '' then
                if redis.call('SET', key, token, 'NX', 'PX', lease) then return 1 end
                if redis.call('GET', key) == 'done' then return 0 end
                return 2
              end
              now = now or flowNow()
              local f = flows[t]
              if not f then
                f = flowOf(prefix, t, now)
                f.heldCount = redis.call('LLEN', f.held)
                flows[t] = f
              end
              local n, probe, why = room(f, now)
              if f.heldCount > 0 or n < 1 then
                local v = redis.call('GET', key)
                if v == 'done' then return 0 elseif v then return 2 end
                -- Behind held events with room or under a limit: 3; the breaker says 4 itself.
                if why ~= 4 then why = 3 end
                return hold(f, entry, why)
              end
              if not redis.call('SET', key, token, 'NX', 'PX', lease) then
                return redis.call('GET', key) == 'done' and 0 or 2
              end
              start(f, now, token, probe, lease)
              return 1
            end
            local out = {}
            for i = 1, #KEYS do
              local a = 4 + (i - 1) * 3
              local ok, r = pcall(claim, KEYS[i], ARGV[a], ARGV[a + 1], ARGV[a + 2])
              if ok then out[i] = r elseif type(r) == 'table' then out[i] = r else out[i] = { err = tostring(r) } end
            end
            for _, f in pairs(flows) do finish(f, now) end
            return out
            """
    )

    /// Takes held events of one type back, oldest first, as many as there is room for (at
    /// most ARGV[4]), each with its slot and rate share. KEYS: processing list. ARGV: prefix,
    /// type, lease (ms), most, token stem, then the order key's path (none: not ordered).
    /// Reply: quadruples (entry, order key or false, id or false, slot token).
    static let takeHeld = RedisScript(
        gates + "\n" + OrderScripts.keyOf + "\n"
            + """
            local prefix, lease = ARGV[1], tonumber(ARGV[3])
            local path = {}
            for i = 6, #ARGV do path[#path + 1] = ARGV[i] end
            local now = flowNow()
            local f = flowOf(prefix, ARGV[2], now)
            local n, probe = room(f, now)
            n = math.min(n, tonumber(ARGV[4]))
            local out = {}
            for i = 1, n do
              local e = redis.call('LMOVE', f.held, KEYS[1], 'RIGHT', 'LEFT')
              if not e then break end
              local token = ARGV[5] .. i
              start(f, now, token, probe and i == 1, lease)
              local key, id = false, false
              if #path > 0 then key, id = keyOf(e, path) end
              out[#out + 1] = e
              out[#out + 1] = key or false
              out[#out + 1] = id or false
              out[#out + 1] = token
            end
            finish(f, now)
            -- Registered in the step that moves events to its list (see QueueScripts.take).
            if #out > 0 then redis.call('SADD', prefix .. ':workers', string.sub(KEYS[1], #prefix + 13)) end
            return out
            """
    )

    /// Extends running attempts' slots (and a probe's deadline). KEYS: none. ARGV: prefix,
    /// lease (ms), then pairs (type, token).
    static let renew = RedisScript(
        """
        local t = redis.call('TIME')
        local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
        for i = 3, #ARGV - 1, 2 do
          redis.call('ZADD', ARGV[1] .. ':flow:slots:' .. ARGV[i], 'XX', until_, ARGV[i + 1])
          local state = ARGV[1] .. ':breaker:' .. ARGV[i]
          if redis.call('HGET', state, 'probe') == ARGV[i + 1] then redis.call('HSET', state, 'probe_until', until_) end
        end
        return 1
        """
    )

    /// `flowSettle(prefix, type, token, result, now)` for ``SettleScript`` (with ``basics``):
    /// frees the attempt's slot and gives its result (`s` success, `f` failure, `-` not an
    /// attempt, `r` counted by an earlier call whose reply was lost) to the type's breaker.
    /// Returns `{transition, failed, attempts, cooldown ms}` when the breaker opened, reopened or
    /// closed, else false. The breaker's hash keeps its last two transitions, each with the token
    /// that caused it (`by`, `tk`, `tf`, `ta`, `tc`; the one before with `2` appended), so that an
    /// `r` answers the transition its lost reply carried, even after the next one (the probe's,
    /// once the cooldown is over): each opening and closing is logged once, by the worker that
    /// caused it. A type's breaker settings and state are read once per call and kept in the
    /// script's table; transitions are written at once, and `flowSettled(prefix)`, run after the
    /// call's releases, writes the freed slots (one `ZREM` per type and 500) and the window
    /// counts (one `HSET` per breaker).
    static let settle = """
        local breakerSettings, breakerStates, freedSlots = {}, {}, {}
        local function flowSettled(prefix)
          for t, tokens in pairs(freedSlots) do
            for from = 1, #tokens, 500 do
              redis.call('ZREM', prefix .. ':flow:slots:' .. t, unpack(tokens, from, math.min(from + 499, #tokens)))
            end
          end
          for k, b in pairs(breakerStates) do
            if b.dirty then redis.call('HSET', k, 'state', 'closed', 'ws', b.ws, 'ct', b.ct, 'cf', b.cf, 'pt', b.pt, 'pf', b.pf) end
          end
        end
        local function breakerState(k)
          local b = breakerStates[k]
          if b then return b end
          local s = redis.call('HMGET', k, 'state', 'probe', 'cooldown', 'ws', 'ct', 'cf', 'pt', 'pf')
          b = { state = s[1], probe = s[2], cooldown = tonumber(s[3]), ws = tonumber(s[4]),
            ct = tonumber(s[5]) or 0, cf = tonumber(s[6]) or 0, pt = tonumber(s[7]) or 0, pf = tonumber(s[8]) or 0 }
          breakerStates[k] = b
          return b
        end
        local function lastTransition(k) return redis.call('HMGET', k, 'by', 'tk', 'tf', 'ta', 'tc') end
        -- `before`: the breaker's last transition (lastTransition), kept as the one before.
        local function transition(k, token, kind, failed, attempts, cooldown, before)
          redis.call('HSET', k, 'by', token, 'tk', kind, 'tf', failed, 'ta', attempts, 'tc', cooldown)
          if before[1] then
            redis.call('HSET', k, 'by2', before[1], 'tk2', before[2], 'tf2', before[3], 'ta2', before[4], 'tc2', before[5])
          end
          return { kind, failed, attempts, cooldown }
        end
        local function flowSettle(prefix, t, token, result, now)
          freedSlots[t] = freedSlots[t] or {}
          table.insert(freedSlots[t], token)
          local c = breakerSettings[t]
          if c == nil then
            c = decoded(redis.call('HGET', prefix .. ':breakers', t)) or false
            breakerSettings[t] = c
          end
          if not c then return false end
          local k = prefix .. ':breaker:' .. t
          local b = breakerState(k)
          local cooldown = b.cooldown or c['cooldown_ms']
          if b.state == 'probing' and b.probe == token then
            if result == 's' then
              local before = lastTransition(k)
              redis.call('DEL', k)
              breakerStates[k] = { ct = 0, cf = 0, pt = 0, pf = 0 }
              return transition(k, token, 'closed', 0, 1, 0, before)
            elseif result == 'f' then
              cooldown = math.min(cooldown * 2, 3600000)
              redis.call('HSET', k, 'state', 'open', 'until', now + cooldown, 'cooldown', cooldown)
              redis.call('HDEL', k, 'probe', 'probe_until')
              b.state, b.probe, b.cooldown = 'open', nil, cooldown
              return transition(k, token, 'reopened', 1, 1, cooldown, lastTransition(k))
            end
            redis.call('HSET', k, 'state', 'open', 'until', now)
            b.state = 'open'
            return false
          end
          if result == 'r' then
            local last = redis.call('HMGET', k, 'by', 'tk', 'tf', 'ta', 'tc', 'by2', 'tk2', 'tf2', 'ta2', 'tc2')
            local i = (last[1] == token and 1) or (last[6] == token and 6)
            if not i then return false end
            return { last[i + 1], tonumber(last[i + 2]), tonumber(last[i + 3]), tonumber(last[i + 4]) }
          end
          if (b.state and b.state ~= 'closed') or result == '-' then return false end
          local w = c['window_ms']
          local ws, ct, cf, pt, pf = b.ws or now, b.ct, b.cf, b.pt, b.pf
          if now - ws >= 2 * w then ws, ct, cf, pt, pf = now, 0, 0, 0, 0
          elseif now - ws >= w then ws, pt, pf, ct, cf = ws + w, ct, cf, 0, 0 end
          ct = ct + 1
          if result == 'f' then cf = cf + 1 end
          local weight = math.max(0, 1 - (now - ws) / w)
          local total, failed = ct + pt * weight, cf + pf * weight
          if total >= c['min_attempts'] and failed >= c['failure_rate'] * total then
            local before = lastTransition(k)
            redis.call('DEL', k)
            redis.call('HSET', k, 'state', 'open', 'until', now + c['cooldown_ms'], 'cooldown', c['cooldown_ms'], 'opened_at', now)
            breakerStates[k] = { state = 'open', cooldown = c['cooldown_ms'], ct = 0, cf = 0, pt = 0, pf = 0 }
            return transition(k, token, 'opened', math.floor(failed + 0.5), math.floor(total + 0.5), c['cooldown_ms'], before)
          end
          b.state, b.ws, b.ct, b.cf, b.pt, b.pf, b.dirty = 'closed', ws, ct, cf, pt, pf, true
          return false
        end
        """
}
