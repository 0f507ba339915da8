import AnimaRedis

/// The scripts of ordered events (`ANIMA_ORDER_KEY`). An event's key is held from its take to
/// its final outcome:
///
/// - `anima:ordered:held:<key>` holds the id of the event that has the key, after one flag
///   character: `1` while events wait for the key, else `0` (so a hand-over with nobody
///   waiting, the common case, reads no waiting list);
/// - `anima:ordered:waiting:<key>` lists the events taken while another one held the key,
///   oldest first, as pairs (id, entry);
/// - `anima:ordered:waits` maps each waiting event's id to its key (for `events show` and the
///   `ordered_waiting` count).
///
/// The take script reads each entry's key as it moves it out of the pending list (from the
/// worker's ``OrderHint`` when one fits, else by decoding it): one that finds its key held by
/// another event goes to the key's waiting list instead of to the worker. The steps of final
/// outcomes (done, duplicate, unhandled, dead; in ``SettleScript``,
/// with ``handOver`` from here) hand the key to
/// the oldest waiting event, which goes to the taking end of the pending list as the key's new
/// holder; with nobody waiting they delete the key. A retry, a deferral, a park, a put-back and
/// a recovery leave the key held, so the event that holds it keeps its place. Every step costs
/// the same whatever the number of waiting events.
enum OrderScripts {
    /// `keyOf(entry, path)`: (key, id) of a stored entry, or nil when it is not ordered (not a
    /// JSON object with string `id` and `type`, or no string/integer at the path).
    static let keyOf = """
        local function keyOf(e, path)
          local body = e
          if string.sub(e, 1, 10) == '#anima:v1 ' then
            local nl = string.find(e, '\\n', 11, true)
            if not nl then return nil end
            body = string.sub(e, nl + 1)
          end
          local ok, t = pcall(cjson.decode, body)
          if not ok or type(t) ~= 'table' then return nil end
          local id = t['id']
          if type(id) ~= 'string' or type(t['type']) ~= 'string' then return nil end
          local v = t
          for _, segment in ipairs(path) do
            if type(v) ~= 'table' then return nil end
            v = v[segment]
          end
          if type(v) == 'string' and v ~= '' then return v, id end
          if type(v) == 'number' and v == math.floor(v) and math.abs(v) < 9007199254740992 then
            return string.format('%.0f', v), id
          end
          return nil
        end
        """

    /// `handOver(prefix, events, waits, held, holder)`: when `holder` (`0` and the event's id)
    /// holds the key whose holder key is `held`, gives the key to the oldest waiting event (put
    /// at the taking end of the pending list) or, with nobody waiting, deletes it. One `GETDEL`
    /// in the common case: a holder other than this event, which only a lost lease meets, is
    /// written back.
    static let handOver = """
        local function handOver(prefix, events, waits, held, holder)
          local h = redis.call('GETDEL', held)
          if not h or h == holder then return end
          if string.sub(h, 2) ~= string.sub(holder, 2) then
            redis.call('SET', held, h)
            return
          end
          local waiting = prefix .. ':ordered:waiting:' .. string.sub(held, #prefix + #':ordered:held:' + 1)
          local next = string.sub(h, 1, 1) == '1' and redis.call('LPOP', waiting, 2)
          if not next then return end
          redis.call('SET', held, (redis.call('EXISTS', waiting) == 1 and '1' or '0') .. next[1])
          redis.call('HDEL', waits, next[1])
          redis.call('RPUSH', events, next[2])
        end
        """

    /// Arguments per hint in the take's ARGV (``OrderHint/append(to:keys:)``).
    static let argumentsPerHint = 5

    /// `hintFor(e)`: the number of the first hint (``OrderHint``) that fits the entry `e`: its
    /// length, and the id's and the key's tokens at their offsets (`string.find` from there,
    /// which builds no string; the three numbers come packed in one argument, as
    /// `struct.unpack` reads them three times faster than `tonumber` reads them one by one).
    /// The hints follow the pending list's order, so the next one usually fits; it looks four
    /// ahead, then once per call through all the rest (another worker took the ones before),
    /// and after a miss only at the next one. Nil when none fits. Needs `hintBase`,
    /// `hintCount` and `hintCursor` in scope. (The take runs `hintFits`'s test inline for the
    /// hint at the cursor, to save two calls per entry: keep the two alike.)
    static let hintFor = """
        local find, unpackNumbers = string.find, struct.unpack
        local function hintFits(e, from, to)
          local n = #e
          for j = from, to do
            local b = hintBase + (j - 1) * \(argumentsPerHint)
            local length, io, ko = unpackNumbers('>I4I4I4', ARGV[b])
            if n == length and find(e, ARGV[b + 1], io, true) == io and (ko == 0 or find(e, ARGV[b + 2], ko, true) == ko) then
              hintCursor = j + 1
              return j, b
            end
          end
        end
        local searched, astray = false, false
        local function hintFor(e)
          local last = astray and hintCursor or hintCursor + 3
          local j, b = hintFits(e, hintCursor, last < hintCount and last or hintCount)
          if not j and not searched and hintCursor + 4 <= hintCount then
            searched = true
            j, b = hintFits(e, hintCursor + 4, hintCount)
          end
          -- After an entry that no hint fits (pushed to the taking end, or taken by another
          -- worker's look), only the hint at the cursor is tried until one fits again.
          astray = not j
          return j, b
        end
        """

    /// Moves pending events (KEYS[1]) until ARGV[1] of them may run: those go to the processing
    /// list KEYS[2] and come back as triples, after three numbers: the entries read from hints,
    /// the first hint that fitted (0: none) and the entries moved before it. A triple is
    /// (entry, key or false, id or false) for an entry decoded (`cjson`), (entry, n, true) for
    /// one that hint n fits. The others go to their key's waiting list (KEYS[3]: the waits
    /// hash). ARGV[2]: the key prefix, ARGV[3]: the path's length p, ARGV[4…3+p]: its
    /// segments, then ``argumentsPerHint`` per hint. Moves at most four times ARGV[1] (plus
    /// 64) per call.
    static let take = RedisScript(
        keyOf + "\n"
            + """
            -- Locals, not globals: the hints are read from ARGV several times per entry.
            local ARGV, KEYS = ARGV, KEYS
            local segments = tonumber(ARGV[3])
            local path = {}
            for i = 4, 3 + segments do path[#path + 1] = ARGV[i] end
            local hintBase = 4 + segments
            local hintCount, hintCursor = math.floor((#ARGV - hintBase + 1) / \(argumentsPerHint)), 1
            """ + "\n" + hintFor + "\n"
                + """
                local limit, call = tonumber(ARGV[1]), redis.call
                local out, o, admitted, moved, hinted, toProcessing = {0, 0, 0}, 3, 0, 0, 0, {}
                while admitted < limit and moved < limit * 4 + 64 do
                  local taken = call('RPOP', KEYS[1], math.min(limit - admitted, limit * 4 + 64 - moved))
                  if not taken then break end
                  for t = 1, #taken do
                    local e, j, b = taken[t], nil, nil
                    -- The hint at the cursor usually fits: checked here, without a call.
                    if not astray and hintCursor <= hintCount then
                      b = hintBase + (hintCursor - 1) * \(argumentsPerHint)
                      local length, io, ko = unpackNumbers('>I4I4I4', ARGV[b])
                      if #e == length and find(e, ARGV[b + 1], io, true) == io and (ko == 0 or find(e, ARGV[b + 2], ko, true) == ko) then
                        j, hintCursor = hintCursor, hintCursor + 1
                      end
                    end
                    if not j then j, b = hintFor(e) end
                    local key, id, held, holder
                    if j then
                      if hinted == 0 then out[2], out[3] = j, moved end
                      hinted = hinted + 1
                      held = ARGV[b + 3]
                      if held == '' then held = nil else holder = ARGV[b + 4] end
                    else
                      key, id = keyOf(e, path)
                      if key then held, holder = ARGV[2] .. ':ordered:held:' .. key, '0' .. id end
                    end
                    moved = moved + 1
                    local waits = false
                    if held and call('SETNX', held, holder) == 0 then
                      local h = call('GET', held)
                      if string.sub(h, 2) ~= string.sub(holder, 2) then
                        waits = true
                        if string.sub(h, 1, 1) == '0' then call('SET', held, '1' .. string.sub(h, 2)) end
                      end
                    end
                    if waits then
                      if j then key, id = string.sub(ARGV[b + 2], 2, -2), string.sub(ARGV[b + 1], 2, -2) end
                      call('RPUSH', ARGV[2] .. ':ordered:waiting:' .. key, id, e)
                      call('HSET', KEYS[3], id, key)
                    else
                      admitted = admitted + 1
                      toProcessing[admitted] = e
                      out[o + 1], out[o + 2], out[o + 3] = e, j or key or false, j and true or id or false
                      o = o + 3
                    end
                  end
                end
                for c = 1, admitted, 500 do redis.call('LPUSH', KEYS[2], unpack(toProcessing, c, math.min(c + 499, admitted))) end
                -- Registered in the step that moves events to its list (see QueueScripts.take).
                if admitted > 0 then redis.call('SADD', ARGV[2] .. ':workers', string.sub(KEYS[2], #ARGV[2] + 13)) end
                out[1] = hinted
                return out
                """
    )

    /// Deletes an entry ARGV[1] from the retry set KEYS[1] and, when it held its key, hands
    /// the key over. The path is the live workers' `order_key` (from their heartbeats, KEYS[4]
    /// the workers set). KEYS: retry set, pending, waits, workers; ARGV: entry, prefix. 1 when
    /// the entry was there.
    static let deleteScheduled = RedisScript(
        keyOf + "\n" + handOver + "\n"
            + """
            if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
            for _, worker in ipairs(redis.call('SMEMBERS', KEYS[4])) do
              local beat = redis.call('GET', ARGV[2] .. ':worker:' .. worker)
              local ok, t = pcall(cjson.decode, beat or '')
              if ok and type(t) == 'table' and type(t['order_key']) == 'string' then
                local path = {}
                for segment in string.gmatch(t['order_key'], '[^.]+') do path[#path + 1] = segment end
                local key, id = keyOf(ARGV[1], path)
                if key then handOver(ARGV[2], KEYS[2], KEYS[3], ARGV[2] .. ':ordered:held:' .. key, '0' .. id) end
                return 1
              end
            end
            return 1
            """
    )
}
