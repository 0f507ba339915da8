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

    public var items: [Item]

    public init(_ items: [Item]) {
        self.items = items
    }

    /// The command; its reply is one receipt per item (`"<received ms> <sender s>"`, or nil), in
    /// order (``receipts(_:)``). With `maxLength` 0 nothing is recorded, but receipts are still
    /// read and final ones deleted.
    public func command(keys: QueueKeys, maxLength: Int) -> RedisCommand {
        var indexKeys: [String] = []
        var arguments: [any RedisArgument] = [maxLength]
        for item in items {
            arguments += [item.digest ?? "", item.final ? "1" : "0"]
            guard let record = item.record else {
                arguments.append(-1)
                continue
            }
            indexKeys.append(keys.history(id: record.eventID))
            let fields = record.fields
            arguments.append(fields.count * 2)
            for (name, value) in fields { arguments += [name, value] }
        }
        return Self.script.call(keys: [keys.history, keys.received] + indexKeys, arguments: arguments)
    }

    /// The receipts of a ``command(keys:maxLength:)`` reply, one per item.
    public func receipts(_ reply: RedisValue) -> [String?] {
        let values = reply.array ?? []
        return items.indices.map { $0 < values.count ? values[$0].string : nil }
    }

    /// Per item: reads (and, when final, deletes) the receipt; then, for an item with a record,
    /// adds the entry to the capped stream (approximate trimming: Redis may keep up to 100 more),
    /// with the receipt's times, and its id to the event's own index, which keeps the 100 newest
    /// and expires with the done mark (7 days). Looking an event up reads its index, never the
    /// whole stream.
    /// KEYS: the stream, the receipts hash, then the index of each item with a record, in order.
    /// ARGV: the cap, then per item: digest ('' for none), final ('1'/'0'), the number of field
    /// words (-1: no record), the field words.
    static let script = RedisScript(
        """
        local cap = tonumber(ARGV[1])
        local receipts = {}
        local i, k = 2, 2
        while i <= #ARGV do
          local digest, final, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
          i = i + 3
          local receipt = false
          if digest ~= '' then
            receipt = redis.call('HGET', KEYS[2], digest)
            if receipt and final == '1' then redis.call('HDEL', KEYS[2], digest) end
          end
          receipts[#receipts + 1] = receipt
          if n >= 0 then
            k = k + 1
            if cap > 0 then
              local fields = {}
              for j = i, i + n - 1 do fields[#fields + 1] = ARGV[j] end
              if receipt then
                local r, s = string.match(receipt, '^(%d+) (%d+)$')
                if r then
                  fields[#fields + 1] = 'received_at'
                  fields[#fields + 1] = r
                  fields[#fields + 1] = 'sent_at'
                  fields[#fields + 1] = s
                end
              end
              local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', cap, '*', unpack(fields))
              redis.call('RPUSH', KEYS[k], entry)
              redis.call('LTRIM', KEYS[k], -100, -1)
              redis.call('EXPIRE', KEYS[k], 604800)
            end
            i = i + n
          end
        end
        return receipts
        """
    )
}
