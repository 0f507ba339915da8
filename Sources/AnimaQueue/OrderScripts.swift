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
/// with ``handOver`` and ``mayHandOver`` from here) hand the key to
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

    /// `handOver(prefix, events, waits, key, id)`: when `id` holds `key`, gives the key to the
    /// oldest waiting event (put at the taking end of the pending list) or, with nobody
    /// waiting, deletes it. One `GETDEL` in the common case: a holder other than `id`, which
    /// only a lost lease meets, is written back.
    static let handOver = """
        local function handOver(prefix, events, waits, key, id)
          local held = prefix .. ':ordered:held:' .. key
          local h = redis.call('GETDEL', held)
          if not h or h == '0' .. id then return end
          if string.sub(h, 2) ~= id then
            redis.call('SET', held, h)
            return
          end
          local waiting = prefix .. ':ordered:waiting:' .. key
          local next = string.sub(h, 1, 1) == '1' and redis.call('LPOP', waiting, 2)
          if not next then return end
          redis.call('SET', held, (redis.call('EXISTS', waiting) == 1 and '1' or '0') .. next[1])
          redis.call('HDEL', waits, next[1])
          redis.call('RPUSH', events, next[2])
        end
        """

    /// Arguments per hint in the take's ARGV (``OrderHint/arguments(keys:)``).
    static let argumentsPerHint = 7

    /// `hintFor(e)`: the number of the first hint (``OrderHint``) that fits the entry `e`: its
    /// length, and the id's and the key's tokens at their offsets (`string.find` from there,
    /// which builds no string). The hints follow the pending list's order, so the next one
    /// usually fits; it looks four ahead, then once per call through all the rest (another
    /// worker took the ones before), and after a miss only at the next one. Nil when none
    /// fits. Needs `hintBase`, `hintCount` and `hintCursor` in scope.
    static let hintFor = """
        local function hintFits(e, from, to)
          local n = #e
          for j = from, to do
            local b = hintBase + (j - 1) * \(argumentsPerHint)
            if n == tonumber(ARGV[b]) then
              local io, ko = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 3])
              if string.find(e, ARGV[b + 2], io, true) == io and (ko == 0 or string.find(e, ARGV[b + 4], ko, true) == ko) then
                hintCursor = j + 1
                return j
              end
            end
          end
        end
        local searched, astray = false, false
        local function hintFor(e)
          local j = hintFits(e, hintCursor, math.min(hintCursor + (astray and 0 or 3), hintCount))
          if not j and not searched and hintCursor + 4 <= hintCount then
            searched = true
            j = hintFits(e, hintCursor + 4, hintCount)
          end
          -- After an entry that no hint fits (pushed to the taking end, or taken by another
          -- worker's look), only the hint at the cursor is tried until one fits again.
          astray = not j
          return j
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
            local segments = tonumber(ARGV[3])
            local path = {}
            for i = 4, 3 + segments do path[#path + 1] = ARGV[i] end
            local hintBase = 4 + segments
            local hintCount, hintCursor = math.floor((#ARGV - hintBase + 1) / \(argumentsPerHint)), 1
            """ + "\n" + hintFor + "\n"
            + """
            local limit = tonumber(ARGV[1])
            local out, admitted, moved, hinted, toProcessing = {0, 0, 0}, 0, 0, 0, {}
            while admitted < limit and moved < limit * 4 + 64 do
              local taken = redis.call('RPOP', KEYS[1], math.min(limit - admitted, limit * 4 + 64 - moved))
              if not taken then break end
              for _, e in ipairs(taken) do
                local j, key, id, held, holder = hintFor(e)
                if j then
                  if hinted == 0 then out[2], out[3] = j, moved end
                  hinted = hinted + 1
                  local b = hintBase + (j - 1) * \(argumentsPerHint)
                  if ARGV[b + 5] ~= '' then held, holder = ARGV[b + 5], ARGV[b + 6] end
                else
                  key, id = keyOf(e, path)
                  if key then held, holder = ARGV[2] .. ':ordered:held:' .. key, '0' .. id end
                end
                moved = moved + 1
                local waits = false
                if held and not redis.call('SET', held, holder, 'NX') then
                  local h = redis.call('GET', held)
                  if string.sub(h, 2) ~= string.sub(holder, 2) then
                    waits = true
                    if string.sub(h, 1, 1) == '0' then redis.call('SET', held, '1' .. string.sub(h, 2)) end
                  end
                end
                if waits then
                  if j then
                    local b = hintBase + (j - 1) * \(argumentsPerHint)
                    key, id = string.sub(ARGV[b + 4], 2, -2), string.sub(ARGV[b + 2], 2, -2)
                  end
                  redis.call('RPUSH', ARGV[2] .. ':ordered:waiting:' .. key, id, e)
                  redis.call('HSET', KEYS[3], id, key)
                else
                  admitted = admitted + 1
                  toProcessing[admitted] = e
                  out[#out + 1] = e
                  out[#out + 1] = j or key or false
                  out[#out + 1] = j and true or id or false
                end
              end
            end
            for c = 1, admitted, 500 do redis.call('LPUSH', KEYS[2], unpack(toProcessing, c, math.min(c + 499, admitted))) end
            out[1] = hinted
            return out
            """
    )

    /// `mayHandOver(v, tok)`: whether the event's mark, holding `v`, allows handing over:
    /// nobody else's lease runs the same id (the mark is absent, done, or our token `tok`).
    static let mayHandOver = "local function mayHandOver(v, tok) return (not v) or v == 'done' or v == tok end"

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
                if key then handOver(ARGV[2], KEYS[2], KEYS[3], key, id) end
                return 1
              end
            end
            return 1
            """
    )
}
