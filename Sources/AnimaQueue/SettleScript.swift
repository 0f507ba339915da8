import AnimaRedis
import NIOCore

/// One script call that settles a whole batch: every ``Settlement``'s step (the ordered ones
/// hand their key over as ``OrderScripts`` describe), then the recording of ``HistoryBatch``.
/// Each step, and the recording, runs under `pcall`: one that fails answers its error and
/// never stops its neighbours. Each step is the same as it was as a script of its own, so
/// sending the call again after a lost reply finds the entries gone and changes nothing.
///
/// The events' marks, their parked lists and the order keys are named in ARGV or built from
/// the prefix inside the script, not declared in KEYS (as `recover` does): the queue lives on
/// one Redis node (alone or behind Sentinel), never on a Cluster.
enum SettleScript {
    /// Fields per settlement in ARGV: step, entry, mark ('' none), token ('' none), two step
    /// arguments, then the order key's holder key and the value its holder has there (`0` and
    /// the id; both '' when the step hands no key over), so that the hand-over builds neither.
    static let fieldsPerStep = 8

    /// KEYS: processing, pending, retry set, dead, paused set, order waits, history stream,
    /// receipts, then the history's index keys. ARGV: the number of steps, the done TTL, the
    /// prefix, the steps' fields, the number of flow releases, whether the call is sent again
    /// after a lost reply ('1'/'0'), the releases (type, token, result: ``FlowScripts/settle``;
    /// the number of the attempt's step, 0 none), then (when recording) the arguments of
    /// ``HistoryBatch``.
    /// Reply: `{results, receipts, flows}`, one result per step as its own script answered;
    /// receipts nil when nothing was recorded; one breaker transition (or nil) per release.
    static let script = RedisScript(
        [OrderScripts.handOver, HistoryBatch.recordOutcomes, FlowScripts.basics, FlowScripts.settle, steps, main]
            .joined(separator: "\n")
    )

    /// The steps, by their letter (complete, acknowledge, schedule, dead letter, put back, park,
    /// none).
    private static let steps = """
        -- Locals, not globals: every step reads its fields from ARGV.
        local ARGV, KEYS = ARGV, KEYS
        local ttl, prefix, now, doneAt = ARGV[2], ARGV[3], nil, nil
        local function clock()
          if not now then
            local t = redis.call('TIME')
            now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          end
          return now
        end
        -- Done marks written by this call, by event id: each expires exactly ttl after `now`, so
        -- its outcome's record, added at `now`, is found through the mark (HistoryBatch).
        local marked = {}
        local function release(mark, token)
          if mark ~= '' and token ~= '' and redis.call('GET', mark) == token then redis.call('DEL', mark) end
        end
        local function remove(e) return redis.call('LREM', KEYS[1], '-1', e) end
        -- A key is handed over when nobody else's lease runs the same id: the event's mark `v`
        -- is absent, done, or our token.
        local function handOverIf(v, token, held, holder)
          if held ~= '' and ((not v) or v == 'done' or v == token) then handOver(prefix, KEYS[2], KEYS[6], held, holder) end
        end
        local steps = {}
        -- The step of most events: written out, without calls to the helpers above.
        steps.c = function(e, mark, token, a, b, held, holder)
          local v = redis.call('GET', mark)
          local removed, result = redis.call('LREM', KEYS[1], '-1', e), 0
          local mine = (not v) or v == token
          if mine then
            doneAt = doneAt or string.format('%.0f', clock() + tonumber(ttl) * 1000)
            redis.call('SET', mark, 'done', 'PXAT', doneAt)
            marked[string.sub(mark, #prefix + 8)] = true
            result = 1
          elseif v == 'done' and removed == 0 then
            result = 2
          end
          if held ~= '' and (mine or v == 'done') then handOver(prefix, KEYS[2], KEYS[6], held, holder) end
          return result
        end
        steps.a = function(e, mark, token, a, b, held, holder)
          local removed = remove(e)
          if held ~= '' then handOverIf(redis.call('GET', mark), '', held, holder) end
          return removed
        end
        steps.s = function(e, mark, token, a, b)
          release(mark, token)
          if remove(e) == 0 then return 0 end
          redis.call('ZADD', KEYS[3], clock() + tonumber(b), a)
          return 1
        end
        steps.d = function(e, mark, token, a, b, held, holder)
          local v = mark ~= '' and redis.call('GET', mark)
          if token ~= '' and v == token then redis.call('DEL', mark) end
          if remove(e) == 0 then return 0 end
          redis.call('LPUSH', KEYS[4], a)
          handOverIf(v, token, held, holder)
          return 1
        end
        steps.p = function(e, mark, token)
          release(mark, token)
          if remove(e) == 0 then return 0 end
          redis.call('RPUSH', KEYS[2], e)
          return 1
        end
        steps.k = function(e, mark, token, a, b)
          release(mark, token)
          if remove(e) == 0 then return 2 end
          if redis.call('SISMEMBER', KEYS[5], a) == 0 then
            redis.call('RPUSH', KEYS[2], e)
            return 0
          end
          redis.call('LPUSH', b, e)
          return 1
        end
        steps.n = function() return 1 end
        """

    /// Runs each step under `pcall`, then the recording.
    private static let main = """
        local function answer(ok, r)
          if ok then return r end
          if type(r) == 'table' then return r end
          return { err = tostring(r) }
        end
        local n = tonumber(ARGV[1])
        local results = {}
        for i = 1, n do
          local f = 4 + (i - 1) * 8
          local step = steps[ARGV[f]] or function() error('unknown step ' .. ARGV[f]) end
          local ok, r = pcall(step, ARGV[f + 1], ARGV[f + 2], ARGV[f + 3], ARGV[f + 4], ARGV[f + 5], ARGV[f + 6], ARGV[f + 7])
          if ok then results[i] = r else results[i] = answer(ok, r) end
        end
        local h = 4 + n * 8
        local m, again = tonumber(ARGV[h]) or 0, ARGV[h + 1] == '1'
        local flows = {}
        if m > 0 then
          -- Sent again after a lost reply: an attempt whose step found its work done (the first
          -- call ran) frees its slot again and gives the breaker no second result ('r'), only
          -- asks for the transition the first call's reply carried.
          local fnow = flowNow()
          for j = 1, m do
            local g = h + 2 + (j - 1) * 4
            local step = tonumber(ARGV[g + 3])
            local result = (again and step > 0 and results[step] ~= 1) and 'r' or ARGV[g + 2]
            flows[j] = answer(pcall(flowSettle, ARGV[3], ARGV[g], ARGV[g + 1], result, fnow))
          end
          pcall(flowSettled, ARGV[3])
        end
        h = h + 2 + m * 4
        local receipts = false
        if #ARGV >= h then
          local done = { prefix = prefix, marked = marked, entry = now and string.format('%.0f-*', now), ttl = tonumber(ttl) * 1000 }
          receipts = answer(pcall(recordOutcomes, KEYS[7], KEYS[8], KEYS, 8, ARGV, h, done))
        end
        return { results, receipts, flows }
        """

    /// The call settling `settlements` from `processing`, recording `history` when given.
    static func call(
        _ settlements: [Settlement], flows: [FlowRelease] = [], history: HistoryBatch?, maxLength: Int, again: Bool = false,
        keys: QueueKeys,
        processing: String
    ) -> RedisCommand {
        var scriptKeys = [processing, keys.events, keys.scheduled, keys.dead, keys.paused, keys.orderWaits, keys.history, keys.received]
        // Appended by type, not as `[any RedisArgument]`: building the settle of a batch was a
        // visible share of the worker's time.
        var arguments = EncodedArguments(reservingCapacity: settlements.reduce(0) { $0 + $1.entry.readableBytes + 200 })
        for settlement in settlements { appendFields(of: settlement, keys: keys, to: &arguments) }
        arguments.append(flows.count)
        arguments.append(again ? "1" : "0")
        for flow in flows {
            arguments.append(flow.ticket.type)
            arguments.append(flow.ticket.token)
            arguments.append(flow.result.rawValue)
            arguments.append(flow.settlement.map { $0 + 1 } ?? 0)
        }
        if let history = again ? history?.sentAgain : history {
            scriptKeys += history.parts(keys: keys, maxLength: maxLength, appendingTo: &arguments)
        }
        return script.call(keys: scriptKeys, arguments: [settlements.count, WorkerQueue.doneTTLSeconds, keys.prefix], encoded: arguments)
    }

    /// Appends the ARGV fields of one settlement (see ``fieldsPerStep``).
    private static func appendFields(of settlement: Settlement, keys: QueueKeys, to arguments: inout EncodedArguments) {
        let hold = settlement.handover
        func add(_ step: String, _ mark: String, _ token: String, _ a: some RedisArgument, _ b: some RedisArgument, handsOver: Bool) {
            arguments.append(step)
            arguments.append(settlement.entry)
            arguments.append(mark)
            arguments.append(token)
            arguments.append(a)
            arguments.append(b)
            arguments.append(handsOver ? hold.map { keys.orderHeld(key: $0.key) } ?? "" : "")
            arguments.append(handsOver ? hold.map { "0" + $0.eventID } ?? "" : "")
        }
        func mark(_ lease: EventLease?) -> String { lease.map { keys.event(id: $0.eventID) } ?? "" }
        switch settlement.step {
        case .complete(let held):
            add("c", mark(held), held.token, "", "", handsOver: true)
        case .acknowledge:
            add("a", hold.map { keys.event(id: $0.eventID) } ?? "", "", "", "", handsOver: true)
        case .schedule(let scheduled, let delay, let held):
            add("s", mark(held), held?.token ?? "", scheduled, delay.milliseconds, handsOver: false)
        case .deadLetter(let letter, let held):
            add(
                "d", held.map { keys.event(id: $0.eventID) } ?? hold.map { keys.event(id: $0.eventID) } ?? "", held?.token ?? "", letter,
                "", handsOver: true)
        case .putBack(let held):
            add("p", mark(held), held?.token ?? "", "", "", handsOver: false)
        case .park(let type, let held):
            add("k", mark(held), held?.token ?? "", type, keys.paused(type: type), handsOver: false)
        case .none:
            arguments.append("n")
            for _ in 1..<fieldsPerStep { arguments.append("") }
        }
    }
}
