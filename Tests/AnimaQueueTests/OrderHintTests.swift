import AnimaRedis
import AnimaTestSupport
import NIOCore
import Testing

@testable import AnimaQueue

/// The ordered take reads an entry's key from a hint that the worker read in Swift when the
/// hint's bytes fit the entry, and decodes the entry (`cjson`) otherwise: a hint must never
/// read another key or id than the decode would.
@Suite("Queue: order hints read in Swift and checked by the take script")
struct OrderHintTests {
    static let path = OrderKeyPath("data.key")!

    /// The take script run on `entry` alone, under its own prefix, offered `hints`:
    /// (hints used, key, id).
    static func take(
        _ redis: RedisClient, _ entry: [UInt8], prefix: String, hints: [OrderHint]
    ) async throws -> (used: Int?, key: String?, id: String?) {
        let keys = QueueKeys(prefix: prefix)
        _ = try await redis.send(RedisCommand("LPUSH", keys.events, entry))
        let items = try await Self.runTake(redis, keys: keys, arguments: [1, prefix, path.segments.count] + path.segments, hints: hints)
        guard items.count == 6 else { return (nil, nil, nil) }
        if case .integer(let hint) = items[4] {
            let hold = hints[hint - 1].hold
            return (items[0].int, hold?.key, hold?.eventID)
        }
        return (items[0].int, items[4].string, items[5].string)
    }

    /// The ordered take script's reply to `arguments` then the hints' own.
    static func runTake(
        _ redis: RedisClient, keys: QueueKeys, arguments: [any RedisArgument], hints: [OrderHint]
    ) async throws -> [RedisValue] {
        var encoded = EncodedArguments()
        for hint in hints { hint.append(to: &encoded, keys: keys) }
        let call = OrderScripts.take.call(
            keys: [keys.events, keys.processing(workerID: "w"), keys.orderWaits], arguments: arguments, encoded: encoded)
        return try await redis.send(call).array ?? []
    }

    static func hint(_ body: String) -> OrderHint? { OrderHint(stored: ByteBuffer(string: body), path: path) }

    static func event(_ id: String, key: String, pad: Int = 8) -> String {
        #"{"id":"\#(id)","type":"t","data":{"pad":"\#(String(repeating: "x", count: pad))","key":"\#(key)"}}"#
    }

    /// Bodies where a reader that does not decode could go wrong.
    static let tricky: [String] = [
        #"{"id":"e1","type":"t","data":{"key":"k1"}}"#, #"{"id":"e2","type":"t","data":{"key":0}}"#,
        #"{"id":"e3","type":"t","data":{"key":-0}}"#, #"{"id":"e4","type":"t","data":{"key":999999999999999}}"#,
        #"{"id":"e5","type":"t","data":{"key":-999999999999999 }}"#, #"{"id":"é6","type":"t","data":{"key":"ключ"}}"#,
        #" { "data" : { "key" : "k7" } , "type" : "t" , "id" : "e7" } "#, #"{"id":"e8","type":"t","data":{"key":null}}"#,
        #"{"id":"e9","type":"t","data":{"key":""}}"#, #"{"id":"e10","type":"t","data":[{"key":"k"}]}"#,
        #"{"id":"e11","type":"t","d\u0061ta":{"k\u0065y":"k11"}}"#, #"{"id":"e12","type":"t","data":{"key":"k\"12"}}"#,
        #"{"id":"e13","type":"t","x":{"data":{"key":"no"}},"data":{"key":"k13"}}"#, #"{"id":"e14","type":"\u0074","data":{"key":14}}"#,
        #"{"type":"t","id":"e15","data":{"key":"k15","pad":[1,2,{"key":"no"}]}}"#,
    ]

    @Test func everyHintReadsTheKeyAndIdThatTheDecodeReads() async throws {
        var generator = JSONGenerator(seed: 24)
        let documents = Self.tricky.map { Array($0.utf8) } + (0..<1000).map { _ in generator.orderedEvent() }
        try await withQueue { _, redis in
            var hinted = 0
            for (index, body) in documents.enumerated() {
                // Every third one as a retried entry, behind the header the take skips.
                let entry = index % 3 == 0 ? Array("#anima:v1 2 \(index)\n".utf8) + body : body
                guard let hint = OrderHint(stored: ByteBuffer(bytes: entry), path: Self.path) else { continue }
                hinted += 1
                let decoded = try await Self.take(redis, entry, prefix: "c\(index)", hints: [])
                let read = try await Self.take(redis, entry, prefix: "h\(index)", hints: [hint])
                let text = String(decoding: body, as: UTF8.self)
                #expect(read.used == 1, "document \(index) \(text): expected its hint used, saw \(String(describing: read.used))")
                #expect(
                    read.key == decoded.key && read.id == decoded.id,
                    "document \(index) \(text): the hint read key \(read.key ?? "none"), id \(read.id ?? "none"); the decode \(decoded.key ?? "none"), \(decoded.id ?? "none")"
                )
            }
            #expect(
                hinted >= documents.count / 4, "expected hints for at least a quarter of the documents, saw \(hinted) of \(documents.count)"
            )
        }
    }

    @Test func aHintPassesAsManyArgumentsAsTheScriptReadsPerHint() throws {
        let hint = try #require(Self.hint(Self.event("evt_1", key: "k1")))
        var encoded = EncodedArguments()
        hint.append(to: &encoded, keys: QueueKeys())
        let count = encoded.count
        #expect(count == OrderScripts.argumentsPerHint, "expected \(OrderScripts.argumentsPerHint) arguments, saw \(count)")
    }

    @Test func aHintNamesTheHoldersKeyAndValueAsTheSettleDoes() throws {
        let hint = try #require(Self.hint(Self.event("evt_1", key: "k1")))
        var encoded = EncodedArguments()
        hint.append(to: &encoded, keys: QueueKeys(prefix: "pre"))
        let arguments = Self.bulkStrings(encoded.buffer)
        let seen = arguments.suffix(2).map { String(decoding: $0, as: UTF8.self) }
        let expected = [QueueKeys(prefix: "pre").orderHeld(key: "k1"), "0evt_1"]
        #expect(seen == expected, "expected the holder's key and value \(expected), saw \(seen)")
        let numbers = arguments.first.map { packed in
            stride(from: 0, to: packed.count, by: 4).map { start in packed[start..<start + 4].reduce(0) { $0 << 8 | Int($1) } }
        }
        #expect(numbers == [hint.length, hint.idOffset, hint.keyOffset], "expected length and offsets, saw \(String(describing: numbers))")
    }

    /// The bulk strings (`$<n>\r\n<bytes>\r\n`) in a run of RESP arguments.
    static func bulkStrings(_ buffer: ByteBuffer) -> [[UInt8]] {
        var bytes = Array(buffer.readableBytesView)[...]
        var strings: [[UInt8]] = []
        while bytes.first == UInt8(ascii: "$"), let end = bytes.firstIndex(of: UInt8(ascii: "\r")) {
            let length = Int(String(decoding: bytes[(bytes.startIndex + 1)..<end], as: UTF8.self)) ?? 0
            let start = end + 2
            strings.append(Array(bytes[start..<start + length]))
            bytes = bytes[(start + length + 2)...]
        }
        return strings
    }

    @Test func aHintReadFromAnotherEventOfTheSameLengthIsNotUsed() async throws {
        try await withQueue { _, redis in
            let hint = try #require(Self.hint(Self.event("evt_2", key: "k2")))
            let read = try await Self.take(redis, Array(Self.event("evt_1", key: "k1").utf8), prefix: "a", hints: [hint])
            #expect(read.used == 0 && read.key == "k1" && read.id == "evt_1", "expected k1 of evt_1 decoded, saw \(read)")
        }
    }

    @Test func aHintOfTheSameIdWithAnotherKeyIsNotUsed() async throws {
        try await withQueue { _, redis in
            let hint = try #require(Self.hint(Self.event("evt_1", key: "k2")))
            let read = try await Self.take(redis, Array(Self.event("evt_1", key: "k1").utf8), prefix: "a", hints: [hint])
            #expect(read.used == 0 && read.key == "k1", "expected k1 decoded, saw \(read)")
        }
    }

    /// Another worker took the first seven hinted entries: the take finds its place further on.
    @Test func hintsOfEntriesAnotherWorkerTookAreSkipped() async throws {
        try await withQueue { _, redis in
            let keys = QueueKeys(prefix: "s")
            let bodies = (0..<10).map { Self.event("evt_\($0)", key: "k\($0)") }
            for body in bodies { _ = try await redis.send(RedisCommand("LPUSH", keys.events, body)) }
            let hints = bodies.compactMap(Self.hint)
            for _ in 0..<7 { _ = try await redis.send(RedisCommand("RPOP", keys.events)) }
            let items = try await Self.runTake(redis, keys: keys, arguments: [3, "s", 2, "data", "key"], hints: hints)
            let taken = stride(from: 4, to: items.count, by: 3).compactMap { items[$0].int.flatMap { hints[$0 - 1].hold?.key } }
            let header = items.prefix(3).map(\.int)
            #expect(header == [3, 8, 0], "expected 3 hints used from the 8th on, none moved before, saw \(header)")
            #expect(taken == ["k7", "k8", "k9"], "expected k7, k8, k9 taken, saw \(taken)")
        }
    }

    @Test func anEventReadFromAHintWaitsUnderItsKeyWhileTheKeyIsHeld() async throws {
        try await withQueue { _, redis in
            let keys = QueueKeys(prefix: "w")
            let (first, second) = (Self.event("evt_1", key: "K"), Self.event("evt_2", key: "K"))
            _ = try await Self.take(redis, Array(first.utf8), prefix: "w", hints: [])
            let read = try await Self.take(redis, Array(second.utf8), prefix: "w", hints: [try #require(Self.hint(second))])
            let waiting = try await redis.send(RedisCommand("LRANGE", keys.orderWaiting(key: "K"), 0, -1)).array?.compactMap(\.string)
            let waits = try await redis.send(RedisCommand("HGET", keys.orderWaits, "evt_2")).string
            #expect(read.used == nil, "expected nothing taken, saw \(read)")
            #expect(
                waiting == ["evt_2", second] && waits == "K",
                "expected evt_2 waiting for K, saw \(String(describing: waiting)), \(String(describing: waits))")
        }
    }

    /// A retry or a hand-over pushed to the taking end comes before the hinted entries: it is
    /// decoded, and the hinted ones after it still read their hints.
    @Test func anEntryPushedBeforeTheHintedOnesLeavesTheirHintsInUse() async throws {
        try await withQueue { _, redis in
            let keys = QueueKeys(prefix: "p")
            let bodies = (0..<10).map { Self.event("evt_\($0)", key: "k\($0)") }
            for body in bodies { _ = try await redis.send(RedisCommand("LPUSH", keys.events, body)) }
            _ = try await redis.send(RedisCommand("RPUSH", keys.events, Self.event("evt_x", key: "kx")))
            let hints = bodies.compactMap(Self.hint)
            let items = try await Self.runTake(redis, keys: keys, arguments: [11, "p", 2, "data", "key"], hints: hints)
            let header = items.prefix(3).map(\.int)
            #expect(header == [10, 1, 1], "expected 10 hints used from the first on, one entry before, saw \(header)")
        }
    }

    /// An ordered take larger than one `LPUSH` of the script (500 entries), and than Lua's
    /// `unpack` (8,000), keeps the stored order in the processing list.
    @Test func anOrderedTakeOfMoreEntriesThanOneUnpackHoldsKeepsTheirOrder() async throws {
        try await withQueue { queue, redis in
            let bodies = (0..<9_000).map { OrderedTakeTests.event("e\($0)", key: "K\($0)") }
            try await OrderedTakeTests.push(redis, bodies)
            let taken = try await OrderedTakeTests.take(queue, limit: 9_000)
            #expect(taken.map(\.parsed) == (0..<9_000).map { "e\($0)" }, "expected e0…e8999 in order, saw \(taken.count)")
            let processing = try await redis.send(RedisCommand("LRANGE", queue.keys.processing(workerID: queue.workerID), 0, -1))
            #expect(processing.array?.compactMap(\.string) == bodies.reversed(), "expected the processing list newest first")
        }
    }

    /// Workers take in turn: each one's look learns to skip what the others take first.
    @Test(arguments: [2, 3])
    func takersInTurnLearnToReadTheEntriesTheyWillTake(takers: Int) async throws {
        try await withQueue { queue, redis in
            let others = (1..<takers).map {
                WorkerQueue(keys: OrderedTakeTests.keys, workerID: "w-other-\($0)", operations: redis, fetcher: redis)
            }
            try await OrderedTakeTests.push(redis, (0..<(takers * 130)).map { OrderedTakeTests.event("e\($0)", key: "K\($0)") })
            func round() async throws {
                for taker in [queue] + others { _ = try await OrderedTakeTests.take(taker, limit: 10) }
            }
            for _ in 0..<8 { try await round() }
            let before = queue.orderHints.totals
            for _ in 0..<4 { try await round() }
            let used = queue.orderHints.totals.used - before.used
            #expect(used == 40, "expected the last 4 takes to read all 40 keys from hints, saw \(used)")
        }
    }

    /// In a steady drain each take reads the next one's hints: every take after the first reads
    /// every key from them.
    @Test func aSteadyOrderedTakeReadsEveryKeyAfterTheFirstTakeFromHints() async throws {
        try await withQueue { queue, redis in
            try await OrderedTakeTests.push(redis, (0..<40).map { OrderedTakeTests.event("e\($0)", key: "K\($0)") })
            for _ in 0..<4 { _ = try await OrderedTakeTests.take(queue, limit: 10) }
            let totals = queue.orderHints.totals
            #expect(totals.used == 30 && totals.offered == 30, "expected 30 hints offered and used, saw \(totals)")
        }
    }
}
