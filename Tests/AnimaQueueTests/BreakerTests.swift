import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Testing

/// The breaker at the queue's level: attempts' results open it, an open breaker holds its
/// type's events back, one probe after the cooldown closes or reopens it.
@Suite("Queue: breaker")
struct BreakerTests {
    typealias F = FlowFixture
    static let settings = BreakerSettings(failureRate: 0.5, minAttempts: 4, window: .seconds(60), cooldown: .milliseconds(300))

    /// Opens the breaker with four failed attempts of e1…e4 (split between the two workers).
    /// `lastReplyLost`: the fourth settle is sent again, as after a lost reply.
    private func open(_ f: F, lastReplyLost: Bool = false) async throws -> [BreakerTransition?] {
        try await f.controls.setBreaker(Self.settings, for: F.type)
        try await f.push(["e1", "e2", "e3", "e4"])
        let first = try await f.take(f.a, limit: 2)
        let second = try await f.take(f.b, limit: 2)
        var transitions: [BreakerTransition?] = []
        for taken in first { transitions.append(try await f.finish(f.a, taken, failed: true)) }
        for taken in second {
            transitions.append(try await f.finish(f.b, taken, failed: true, replyLost: lastReplyLost && taken.parsed == "e4"))
        }
        return transitions
    }

    /// Takes the probe once the cooldown of a breaker that `open` opened is over.
    private func probe(_ f: F) async throws -> WorkerQueue.Taken<String> {
        try await f.push(["n1"])
        _ = try await f.take(f.b)
        var probe: [WorkerQueue.Taken<String>] = []
        let probed = try await eventually(timeout: .seconds(10)) {
            probe = try await f.takeHeld(f.a)
            return !probe.isEmpty
        }
        try #require(probed && probe.count == 1, "expected one probe, saw \(probe.map(\.parsed))")
        return probe[0]
    }

    @Test func failuresOverTheRateOpenItOnce() async throws {
        try await F.run { f in
            let transitions = try await open(f)
            #expect(
                transitions.map { $0?.kind } == [nil, nil, nil, .opened],
                "expected the 4th failure to open it, saw \(transitions.map { $0?.kind })")
            #expect(transitions.last??.failed == 4 && transitions.last??.attempts == 4)
            #expect(try await f.breakerField("state") == "open")
        }
    }

    @Test func failuresSettledInOneCallOpenItOnce() async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.push(["e1", "e2", "e3", "e4", "e5"])
            let taken = try await f.take(f.a)
            let settlements = taken.map {
                Settlement(entry: $0.stored, step: .schedule($0.stored, after: .seconds(60), releasing: $0.lease))
            }
            let releases = taken.compactMap { $0.flow.map { FlowRelease($0, .failure) } }
            let transitions = try await f.a.settle(settlements, flows: releases, recording: nil).transitions
            #expect(
                transitions.map { $0?.kind } == [nil, nil, nil, .opened, nil],
                "expected the 4th of 5 failures in one settle to open it, saw \(transitions.map { $0?.kind })")
            #expect(try await f.breakerField("state") == "open")
            #expect(try await f.breakerField("ct") == nil, "expected no window counts written over the open state")
        }
    }

    /// A settle whose reply was lost is sent again: its attempts count once in the window,
    /// whether the first call ran (its steps then find their work done) or never arrived.
    @Test(arguments: [true, false])
    func aSettleSentAgainCountsEachAttemptOnce(firstCallArrived: Bool) async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.push(["e1", "e2"])
            let taken = try await f.take(f.a)
            let settlements = taken.map {
                Settlement(entry: $0.stored, step: .schedule($0.stored, after: .seconds(60), releasing: $0.lease))
            }
            let releases = taken.enumerated().compactMap { index, event in event.flow.map { FlowRelease($0, .failure, settlement: index) } }
            if firstCallArrived { _ = try await f.a.settle(settlements, flows: releases, recording: nil) }
            _ = try await f.a.settle(settlements, flows: releases, recording: nil, again: true)
            let (attempts, failed) = (try await f.breakerField("ct"), try await f.breakerField("cf"))
            #expect(
                attempts == "2" && failed == "2",
                "expected 2 attempts, 2 failed in the window, saw \(attempts ?? "none"), \(failed ?? "none")")
        }
    }

    /// The settle that opened the breaker lost its reply: the call sent again answers the
    /// opening (the worker's one log line for it), and counts nothing twice.
    @Test func aSettleSentAgainAnswersTheOpeningItsLostReplyCarried() async throws {
        try await F.run { f in
            let transitions = try await open(f, lastReplyLost: true)
            #expect(
                transitions.map { $0?.kind } == [nil, nil, nil, .opened],
                "expected the resent 4th settle to answer the opening, saw \(transitions.map { $0?.kind })")
            let counts = (transitions.last??.failed, transitions.last??.attempts)
            #expect(counts == (4, 4), "expected 4 of 4 failed, saw \(String(describing: counts))")
            #expect(try await f.breakerField("state") == "open")
        }
    }

    /// The probe's success closed the breaker and its reply was lost: the call sent again
    /// answers the closing.
    @Test func aProbesSettleSentAgainAnswersTheClosing() async throws {
        try await F.run { f in
            _ = try await open(f)
            let transition = try await f.finish(f.a, try await probe(f), replyLost: true)
            #expect(
                transition?.kind == .closed, "expected the resent probe settle to answer the closing, saw \(String(describing: transition))"
            )
            #expect(try await f.breakerField("state") == nil, "expected the breaker closed")
        }
    }

    /// An event taken back from held has a slot of its own (not its lease's token): a settle
    /// of it sent again still counts its attempt once.
    @Test func aSettleSentAgainOfAnEventTakenBackFromHeldCountsOnce() async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.controls.setLimit(FlowLimit(concurrency: 1), for: F.type)
            try await f.push(["e1", "e2"])
            let taken = try await f.take(f.a)
            try #require(taken.map(\.claim) == [.claimed, .heldBack(.limit)], "expected e1 run and e2 held, saw \(taken.map(\.claim))")
            try await f.finish(f.a, taken[0])
            let back = try await f.takeHeld(f.a)
            try #require(back.map(\.parsed) == ["e2"], "expected e2 taken back, saw \(back.map(\.parsed))")
            try await f.finish(f.a, back[0], failed: true, replyLost: true)
            let (attempts, failed) = (try await f.breakerField("ct"), try await f.breakerField("cf"))
            #expect(
                attempts == "2" && failed == "1",
                "expected 2 attempts, 1 failed in the window, saw \(attempts ?? "none"), \(failed ?? "none")")
        }
    }

    /// A settle sent again whose first call changed nothing answers no transition, though the
    /// breaker's last change (another attempt's) came after it.
    @Test func aSettleSentAgainAnswersOnlyItsOwnTransition() async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.push(["e1", "e2", "e3", "e4"])
            let taken = try await f.take(f.a)
            var transitions: [BreakerTransition?] = []
            for event in taken { transitions.append(try await f.finish(f.a, event, failed: true)) }
            try #require(
                transitions.map { $0?.kind } == [nil, nil, nil, .opened], "expected e4 to open it, saw \(transitions.map { $0?.kind })")
            let third = taken[2]
            let resent = try await f.a.settle(
                [Settlement(entry: third.stored, step: .schedule(third.stored, after: .seconds(60), releasing: third.lease))],
                flows: [FlowRelease(third.flow!, .failure, settlement: 0)], recording: nil, again: true)
            #expect(resent.transitions == [nil], "expected no transition for e3's resent settle, saw \(resent.transitions)")
        }
    }

    /// The opening's reply is lost, and the probe closes the breaker before the settle is sent
    /// again: the resent settle still answers the opening it caused.
    @Test func aSettleSentAgainAnswersItsOpeningAfterTheProbeClosedIt() async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.push(["e1", "e2", "e3", "e4"])
            let taken = try await f.take(f.a)
            for event in taken.dropLast() { _ = try await f.finish(f.a, event, failed: true) }
            let fourth = try #require(taken.last)
            let settlements = [
                Settlement(entry: fourth.stored, step: .schedule(fourth.stored, after: .seconds(60), releasing: fourth.lease))
            ]
            let flows = [FlowRelease(try #require(fourth.flow), .failure, settlement: 0)]
            let lost = try await f.a.settle(settlements, flows: flows, recording: nil).transitions
            try #require(lost.map { $0?.kind } == [.opened], "expected e4's settle to open it, saw \(lost.map { $0?.kind })")
            let closing = try await f.finish(f.a, try await probe(f))
            try #require(closing?.kind == .closed, "expected the probe to close it, saw \(String(describing: closing))")
            let resent = try await f.a.settle(settlements, flows: flows, recording: nil, again: true).transitions
            #expect(
                resent.map { $0?.kind } == [.opened], "expected e4's resent settle to answer its opening, saw \(resent.map { $0?.kind })")
        }
    }

    @Test func successesKeepItClosed() async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.push(["e1", "e2", "e3", "e4", "e5"])
            let taken = try await f.take(f.a)
            var kinds: [BreakerTransition.Kind?] = []
            for (index, event) in taken.enumerated() { kinds.append(try await f.finish(f.a, event, failed: index == 0)?.kind) }
            #expect(kinds.allSatisfy { $0 == nil }, "expected no transition with 1 failure in 5, saw \(kinds)")
            #expect(try await f.breakerField("state") == "closed")
        }
    }

    @Test func anOpenBreakerHoldsBackItsTypesEvents() async throws {
        try await F.run { f in
            _ = try await open(f)
            try await f.push(["n1"])
            let taken = try await f.take(f.b)
            #expect(taken.map(\.claim) == [.heldBack(.breaker)], "expected n1 held back by the breaker, saw \(taken.map(\.claim))")
            #expect(try await f.takeHeld(f.a).isEmpty, "expected nothing taken back during the cooldown")
        }
    }

    @Test func afterTheCooldownOneProbeRunsAndItsSuccessClosesTheBreaker() async throws {
        try await F.run { f in
            _ = try await open(f)
            try await f.push(["n1", "n2"])
            _ = try await f.take(f.b)
            var probe: [WorkerQueue.Taken<String>] = []
            let probed = try await eventually(timeout: .seconds(10)) {
                probe = try await f.takeHeld(f.a)
                return !probe.isEmpty
            }
            #expect(probed && probe.map(\.parsed) == ["n1"], "expected one probe, n1, saw \(probe.map(\.parsed))")
            #expect(try await f.takeHeld(f.b).isEmpty, "expected no second event while the probe runs")
            #expect(try await f.breakerField("state") == "probing")
            let transition = try await f.finish(f.a, probe[0])
            #expect(transition?.kind == .closed, "expected the probe's success to close it, saw \(String(describing: transition))")
            let rest = try await f.takeHeld(f.b)
            #expect(rest.map(\.parsed) == ["n2"], "expected n2 to run once closed, saw \(rest.map(\.parsed))")
        }
    }

    @Test func afterTheCooldownOneClaimStartsOnlyTheProbe() async throws {
        try await F.run { f in
            _ = try await open(f)
            try await Task.sleep(for: Self.settings.cooldown + .milliseconds(100))
            try await f.push(["n1", "n2"])
            let taken = try await f.take(f.b)
            let expected: [ClaimResult?] = [.claimed, .heldBack(.breaker)]
            #expect(taken.map(\.claim) == expected, "expected n1 as the probe and n2 held in one claim, saw \(taken.map(\.claim))")
            #expect(try await f.breakerField("state") == "probing")
        }
    }

    @Test func aFailedProbeReopensItForTwiceTheCooldown() async throws {
        try await F.run { f in
            _ = try await open(f)
            try await f.push(["n1"])
            _ = try await f.take(f.b)
            var probe: [WorkerQueue.Taken<String>] = []
            _ = try await eventually(timeout: .seconds(10)) {
                probe = try await f.takeHeld(f.a)
                return !probe.isEmpty
            }
            let transition = try await f.finish(f.a, try #require(probe.first), failed: true)
            #expect(
                transition?.kind == .reopened && transition?.cooldown == .milliseconds(600),
                "expected reopened for 600 ms, saw \(String(describing: transition))")
            #expect(try await f.breakerField("cooldown") == "600")
        }
    }

    @Test func aResetClosesItAtOnce() async throws {
        try await F.run { f in
            _ = try await open(f)
            try await f.push(["n1"])
            _ = try await f.take(f.b)
            #expect(try await f.controls.resetBreaker(of: F.type))
            let back = try await f.takeHeld(f.a)
            #expect(back.map(\.parsed) == ["n1"], "expected n1 to run after the reset, saw \(back.map(\.parsed))")
            let listed = try await f.controls.all().first
            #expect(listed?.state == .closed, "expected the listing to say closed, saw \(String(describing: listed?.state))")
        }
    }
}
