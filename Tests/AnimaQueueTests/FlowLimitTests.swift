import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Testing

/// Limits per type at the queue's level: the claim admits an event only with room under its
/// type's limit, shared by every worker; the others wait in the held list, oldest first.
@Suite("Queue: flow limits")
struct FlowLimitTests {
    typealias F = FlowFixture

    @Test func theConcurrencySlotsAreSharedByEveryWorker() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 2), for: F.type)
            try await f.push(["e1", "e2", "e3", "e4"])
            let first = try await f.take(f.a, limit: 2)
            let second = try await f.take(f.b, limit: 2)
            #expect(first.map(\.claim) == [.claimed, .claimed], "expected worker a's two claims admitted, saw \(first.map(\.claim))")
            #expect(
                second.map(\.claim) == [.heldBack(.limit), .heldBack(.limit)], "expected worker b's held back, saw \(second.map(\.claim))")
            #expect(try await f.held() == ["e3", "e4"], "expected e3, e4 held in order")
            #expect(try await f.takeHeld(f.b).isEmpty, "expected no room while a's two run")
            try await f.finish(f.a, first[0])
            let back = try await f.takeHeld(f.b)
            #expect(back.map(\.parsed) == ["e3"], "expected e3 taken back once a slot freed, saw \(back.map(\.parsed))")
            #expect(back.first?.claim == .claimed && back.first?.flow != nil, "expected e3 claimed with its slot")
        }
    }

    /// Taking held events back moves them into the worker's processing list: it registers the
    /// worker in the same step, as every take does (see ``TakeRegistrationTests``).
    @Test func takingHeldEventsBackRegistersTheWorker() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2"])
            let taken = try await f.take(f.a, limit: 2)
            try await f.finish(f.a, taken[0])
            _ = try await f.redis.send(RedisCommand("SREM", f.b.keys.workers, "w-b"))
            let back = try await f.takeHeld(f.b)
            #expect(back.map(\.parsed) == ["e2"], "expected e2 taken back, saw \(back.map(\.parsed))")
            let registered = try await f.redis.send(RedisCommand("SISMEMBER", f.b.keys.workers, "w-b")).int
            #expect(registered == 1, "expected w-b registered by its take of held events, saw \(String(describing: registered))")
        }
    }

    @Test func aNewEventWaitsBehindTheHeldOnesEvenWithRoom() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2"])
            let taken = try await f.take(f.a)
            try await f.finish(f.a, taken[0])
            try await f.push(["e3"])
            let newer = try await f.take(f.b)
            #expect(newer.map(\.claim) == [.heldBack(.limit)], "expected e3 held behind e2, saw \(newer.map(\.claim))")
            #expect(try await f.held() == ["e2", "e3"], "expected e2 then e3 held")
            let back = try await f.takeHeld(f.a)
            #expect(back.map(\.parsed) == ["e2"], "expected the oldest, e2, taken back first, saw \(back.map(\.parsed))")
        }
    }

    @Test func oneSettleFreesEverySlotItReleases() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 3), for: F.type)
            try await f.push(["e1", "e2", "e3"])
            let taken = try await f.take(f.a)
            let settlements = taken.map { Settlement(entry: $0.stored, step: .complete($0.lease!)) }
            let releases = taken.compactMap { $0.flow.map { FlowRelease($0, .success) } }
            _ = try await f.a.settle(settlements, flows: releases, recording: nil)
            let slots = try await f.redis.send(RedisCommand("ZCARD", f.a.keys.flowSlots(type: F.type))).int
            #expect(
                releases.count == 3 && slots == 0,
                "expected 3 slots taken and all freed by one settle, saw \(releases.count) taken and \(String(describing: slots)) left")
        }
    }

    @Test func thousandsOfSlotsTakenAndFreedInOneCallEachFitRedisLimits() async throws {
        try await F.run { f in
            // More slots than Lua can pass to one command (8,000 arguments): written in chunks.
            let count = 4500
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push((1...count).map { "e\($0)" })
            let first = try await f.take(f.a, limit: count)
            try await f.controls.setLimit(FlowLimit(concurrency: 10_000), for: F.type)
            let back = try await f.takeHeld(f.a, limit: count)
            let taken = first.filter { $0.claim == .claimed } + back
            let running = try await f.redis.send(RedisCommand("ZCARD", f.a.keys.flowSlots(type: F.type))).int
            #expect(
                taken.count == count && running == count,
                "expected \(count) events running with a slot each, saw \(taken.count) taken and \(String(describing: running)) slots")
            let settlements = taken.map { Settlement(entry: $0.stored, step: .complete($0.lease!)) }
            let releases = taken.compactMap { $0.flow.map { FlowRelease($0, .success) } }
            _ = try await f.a.settle(settlements, flows: releases, recording: nil)
            let left = try await f.redis.send(RedisCommand("ZCARD", f.a.keys.flowSlots(type: F.type))).int
            #expect(left == 0, "expected every slot freed by one settle, saw \(String(describing: left)) left")
        }
    }

    @Test func aKilledWorkersSlotComesBackWhenItsLeaseRunsOut() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2"])
            let taken = try await f.take(f.a, lease: .milliseconds(300))
            #expect(taken.map(\.claim) == [.claimed, .heldBack(.limit)], "expected e1 admitted and e2 held, saw \(taken.map(\.claim))")
            // Worker a is "killed": it never settles or renews e1. Its slot expires with its lease.
            var back: [WorkerQueue.Taken<String>] = []
            let freed = try await eventually(timeout: .seconds(10)) {
                back = try await f.takeHeld(f.b)
                return !back.isEmpty
            }
            #expect(freed && back.map(\.parsed) == ["e2"], "expected e2 taken back by b once a's slot expired, saw \(back.map(\.parsed))")
        }
    }

    @Test func aRenewedSlotIsKept() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2"])
            let taken = try await f.take(f.a, lease: .milliseconds(200))
            try await f.a.renew([taken[0].flow!], lease: .seconds(60))
            let expiry = try await f.redis.send(RedisCommand("ZSCORE", f.a.keys.flowSlots(type: F.type), taken[0].flow!.token)).string
                .flatMap(Double.init)
            let now = try await f.redis.send(RedisCommand("TIME")).array?.first?.string.flatMap(Double.init) ?? 0
            #expect(
                (expiry ?? 0) > (now + 30) * 1000,
                "expected the renewed slot to expire about 60 s from now, saw \(String(describing: expiry)) at \(now)")
        }
    }

    @Test func theRateIsSharedByEveryWorker() async throws {
        try await F.run { f in
            // 10/s allows a burst of one start; the next is due 100 ms later, whoever asks.
            try await f.controls.setLimit(FlowLimit(rate: FlowLimit.Rate("10/s")), for: F.type)
            try await f.push(["e1", "e2", "e3"])
            let first = try await f.take(f.a, limit: 1)
            let second = try await f.take(f.b, limit: 2)
            #expect(first.map(\.claim) == [.claimed], "expected e1 admitted, saw \(first.map(\.claim))")
            #expect(
                second.map(\.claim) == [.heldBack(.limit), .heldBack(.limit)],
                "expected b held back by the shared rate, saw \(second.map(\.claim))")
            let due = try await f.redis.send(RedisCommand("GET", f.a.keys.flowRate(type: F.type))).string.flatMap(Double.init)
            let now = try await f.redis.send(RedisCommand("TIME")).array?.first?.string.flatMap(Double.init) ?? 0
            #expect(
                due.map { $0 > now * 1000 && $0 <= (now + 1) * 1000 + 100 } == true,
                "expected the next start due within 100 ms, saw \(String(describing: due)) at \(now) s")
        }
    }

    @Test func oneClaimAdmitsTheBurstAndHoldsTheRest() async throws {
        try await F.run { f in
            // 30/s allows a burst of three starts; the fourth is due 33 ms after the third.
            try await f.controls.setLimit(FlowLimit(rate: FlowLimit.Rate("30/s")), for: F.type)
            try await f.push(["e1", "e2", "e3", "e4", "e5"])
            let taken = try await f.take(f.a, limit: 5)
            let expected: [ClaimResult?] = [.claimed, .claimed, .claimed, .heldBack(.limit), .heldBack(.limit)]
            #expect(taken.map(\.claim) == expected, "expected three admitted and two held in one claim, saw \(taken.map(\.claim))")
            let due = try await f.redis.send(RedisCommand("GET", f.a.keys.flowRate(type: F.type))).string.flatMap(Double.init)
            let now = try await f.redis.send(RedisCommand("TIME")).array?.first?.string.flatMap(Double.init) ?? 0
            #expect(
                due.map { $0 >= now * 1000 + 50 } == true,
                "expected the next start due about 100 ms on (three starts written), saw \(String(describing: due)) at \(now) s")
        }
    }

    @Test func clearingTheLimitQueuesTheHeldEventsAgainInOrder() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2", "e3"])
            _ = try await f.take(f.a)
            let cleared = try await f.controls.clearLimit(of: F.type)
            #expect(cleared.removed && cleared.released == 2, "expected the limit removed and 2 events released, saw \(cleared)")
            let next = try await f.b.takeAndClaim(
                limit: 10, block: .milliseconds(50), lease: .seconds(30), token: { "t" }, parse: { (F.parse($0).id, nil) })
            #expect(next.map(\.parsed) == ["e2", "e3"], "expected e2 then e3 taken after the clear, saw \(next.map(\.parsed))")
        }
    }

    @Test func otherTypesAreNotHeldBack() async throws {
        try await F.run { f in
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2"])
            try await f.push(["o1", "o2"], type: "resource.created")
            let taken = try await f.a.takeAndClaim(
                limit: 10, block: .milliseconds(50), lease: .seconds(30), token: { "lease:\(Int.random(in: 0..<1_000_000))" },
                parse: { stored in
                    let id = F.parse(stored).id
                    return (id, id)
                },
                admit: { id in id.hasPrefix("e") ? F.type : nil })
            #expect(
                taken.map(\.claim) == [.claimed, .heldBack(.limit), .claimed, .claimed],
                "expected only e2 held back, saw \(taken.map(\.claim))")
        }
    }
}
