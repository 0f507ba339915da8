public import AnimaRedis

/// The outcomes settled in one round trip, recorded by one script call appended to the
/// settlement's pipeline: one call per batch rather than per event, since the script's fixed
/// cost on the server was the larger part of recording.
public struct HistoryBatch: Sendable {
    /// One settled event: its record (nil for an event with no id, a malformed body), the SHA-1
    /// of its raw body when its receipt is wanted, and whether the outcome is final (the receipt
    /// is then deleted).
    public struct Item: Sendable {
        public var record: HistoryRecord?
        public var digest: String?
        public var final: Bool

        public init(record: HistoryRecord?, digest: String?, final: Bool) {
            self.record = record
            self.digest = digest
            self.final = final
        }
    }

    /// One per settled event, nil for an event that records nothing (never tried).
    public var items: [Item?]
    /// The batch may be recorded already: the same call was sent before and its reply lost.
    /// A record then goes in only if its event's index names no entry with the same record.
    /// (Set by the settle sent again, ``WorkerQueue/settle(_:flows:recording:maxLength:again:)``.)
    var again = false

    public init(_ items: [Item?]) {
        self.items = items
    }

    /// The batch to send again after a lost reply (``again``).
    var sentAgain: HistoryBatch {
        var batch = self
        batch.again = true
        return batch
    }

    /// Whether no event records anything: then there is no command to send.
    public var isEmpty: Bool { items.allSatisfy { $0 == nil } }

    /// The command; its reply is one receipt per recording item (`"<received ms> <sender s>"`,
    /// or nil), in order (``receipts(_:)``). With `maxLength` 0 nothing is recorded, but receipts are still
    /// read and final ones deleted.
    public func command(keys: QueueKeys, maxLength: Int) -> RedisCommand {
        var arguments = EncodedArguments()
        let indexKeys = parts(keys: keys, maxLength: maxLength, appendingTo: &arguments)
        return Self.script.call(keys: [keys.history, keys.received] + indexKeys, arguments: [], encoded: arguments)
    }

    /// Appends the arguments of ``script`` and returns its index keys (of the items with a
    /// record); the settlement's script (``SettleScript``) appends the same after its own.
    func parts(keys: QueueKeys, maxLength: Int, appendingTo arguments: inout EncodedArguments) -> [String] {
        var indexKeys: [String] = []
        indexKeys.reserveCapacity(items.count)
        arguments.append(maxLength)
        arguments.append(again ? "1" : "0")
        for case let item? in items {
            if let record = item.record { indexKeys.append(keys.history(id: record.eventID)) }
            arguments.append(item.digest ?? "")
            arguments.append(item.final ? "1" : "0")
            arguments.append(item.record?.json ?? [])
        }
        return indexKeys
    }

    /// The receipts of a ``command(keys:maxLength:)`` reply, one per item (nil for a nil item).
    public func receipts(_ reply: RedisValue) -> [String?] {
        var values = (reply.array ?? []).makeIterator()
        return items.map { item in item == nil ? nil : values.next()?.string }
    }

    /// Reads the batch's receipts with one `HMGET` and deletes the final ones with one `HDEL`
    /// (per 500); then, for each item with a record, adds the entry (`r`: the record, `rcv`: the
    /// receipt) to the capped stream (approximate trimming: Redis may keep up to 100 more) and
    /// its id to the event's own index, which keeps the 100 newest (it grows to 4 KiB of ids,
    /// then is cut back to 100) and expires with the done mark (7 days). Looking an event up
    /// reads its index, never the whole stream (``EventHistory/attempts(of:)``).
    ///
    /// Run by ``SettleScript``, the outcome of an event whose done mark that call wrote (most
    /// events: a first success) is indexed by the mark instead: the mark expires exactly
    /// 7 days after the call's time, and the entry goes in at that millisecond (`<ms>-*`), so
    /// the mark's `PEXPIRETIME` names it. That saves a key with its TTL per event, the larger
    /// part of recording. (When the stream's newest entry is later than that millisecond, the
    /// entry goes in as usual, indexed.)
    ///
    /// The index is a string of space-separated entry ids: most events have one outcome, and
    /// one `SET NX EX` costs the server about half of creating a list and giving it a TTL, which
    /// was the larger part of recording. An index written as a list by versions before 2026-12
    /// is still appended to as a list.
    /// KEYS: the stream, the receipts hash, then the index of each item with a record, in order.
    /// Numbers go to Redis as strings: a Lua number is formatted with `printf` on every call.
    /// ARGV: the cap, whether the batch may be recorded already ('1'/'0', ``again``), then per
    /// item: digest ('' for none), final ('1'/'0'), the record as JSON ('' for none).
    static let script = RedisScript(recordOutcomes + "\n" + "return recordOutcomes(KEYS[1], KEYS[2], KEYS, 2, ARGV, 1)")

    /// `indexedIDs(index)`: the entry ids an event's index names (a string of space-separated
    /// ids, or a list as versions before 2026-12 wrote it), oldest first; none without an index.
    static let indexedIDs = """
        local function indexedIDs(index)
          local kind, ids = redis.call('TYPE', index).ok, {}
          if kind == 'string' then
            for id in string.gmatch(redis.call('GET', index), '%S+') do ids[#ids + 1] = id end
          elseif kind == 'list' then
            ids = redis.call('LRANGE', index, 0, -1)
          end
          return ids
        end
        """

    /// `recordOutcomes(stream, received, K, k0, A, first, done)`: the recording of ``script``,
    /// with the cap at A[first], the flag of ``again`` after it, then the items, their index keys
    /// at K[k0 + 1…]. Returns the receipts. ``SettleScript`` runs it too, with `done`: the key
    /// prefix, the ids whose done marks it wrote (`marked`), the entry id at their time
    /// (`entry`, `<ms>-*`) and the marks' TTL in milliseconds (`ttl`).
    static let recordOutcomes =
        indexedIDs + "\n" + """
            local function alreadyRecorded(index, stream, record, mark, ttl)
              local entries = {}
              for _, id in ipairs(indexedIDs(index)) do entries[#entries + 1] = redis.call('XRANGE', stream, id, id)[1] end
              local expiry = mark and redis.call('PEXPIRETIME', mark) or -1
              if expiry > 0 then
                local at = string.format('%.0f', expiry - ttl)
                for _, entry in ipairs(redis.call('XRANGE', stream, at, at)) do entries[#entries + 1] = entry end
              end
              for _, entry in ipairs(entries) do
                if entry[2][1] == 'r' and entry[2][2] == record then return true end
              end
              return false
            end
            local function addRecord(stream, cap, id, record, receipt)
              if receipt then return redis.pcall('XADD', stream, 'MAXLEN', '~', cap, id, 'r', record, 'rcv', receipt) end
              return redis.pcall('XADD', stream, 'MAXLEN', '~', cap, id, 'r', record)
            end
            local function recordOutcomes(stream, received, K, k0, A, first, done)
              local cap = A[first]
              local recording = tonumber(cap) > 0
              local again = A[first + 1] == '1'
              first = first + 1
              local digests, finals = {}, {}
              for i = first + 1, #A, 3 do
                if A[i] ~= '' then
                  digests[#digests + 1] = A[i]
                  if A[i + 1] == '1' then finals[#finals + 1] = A[i] end
                end
              end
              local found = {}
              for from = 1, #digests, 500 do
                local last = math.min(from + 499, #digests)
                local values = redis.call('HMGET', received, unpack(digests, from, last))
                for j = from, last do found[digests[j]] = values[j - from + 1] end
              end
              for from = 1, #finals, 500 do
                redis.call('HDEL', received, unpack(finals, from, math.min(from + 499, #finals)))
              end
              local receipts = {}
              local k = k0
              for i = first + 1, #A, 3 do
                local record = A[i + 2]
                local receipt = A[i] ~= '' and found[A[i]] or false
                receipts[#receipts + 1] = receipt
                if record ~= '' then
                  k = k + 1
                  local id = done and string.sub(K[k], #done.prefix + 10)
                  local mark = again and done and (done.prefix .. ':event:' .. id)
                  if recording and not (again and alreadyRecorded(K[k], stream, record, mark, done and done.ttl)) then
                    -- An outcome whose done mark this call wrote goes in at the mark's `now`: found
                    -- through the mark, it needs no index. (Not when the stream's newest entry is
                    -- later, as after a failover to a server whose clock is behind.)
                    local entry, indexed = nil, true
                    if done and done.marked[id] then
                      local added = addRecord(stream, cap, done.entry, record, receipt)
                      if type(added) ~= 'table' then entry, indexed = added, false end
                    end
                    if not entry then
                      entry = addRecord(stream, cap, '*', record, receipt)
                      if type(entry) == 'table' then error(entry) end
                    end
                    if indexed and not redis.call('SET', K[k], entry, 'NX', 'EX', '604800') then
                      if redis.call('TYPE', K[k]).ok == 'list' then
                        if redis.call('RPUSH', K[k], entry) > 100 then redis.call('LTRIM', K[k], -100, -1) end
                      elseif redis.call('APPEND', K[k], ' ' .. entry) > 4096 then
                        local ids = {}
                        for id in string.gmatch(redis.call('GET', K[k]), '%S+') do ids[#ids + 1] = id end
                        redis.call('SET', K[k], table.concat(ids, ' ', #ids - 99, #ids))
                      end
                      redis.call('EXPIRE', K[k], '604800')
                    end
                  end
                end
              end
              return receipts
            end
            """
}
