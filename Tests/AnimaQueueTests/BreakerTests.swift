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
    private func open(_ f: F) async throws -> [BreakerTransition?] {
        try await f.controls.setBreaker(Self.settings, for: F.type)
        try await f.push(["e1", "e2", "e3", "e4"])
        let first = try await f.take(f.a, limit: 2)
        let second = try await f.take(f.b, limit: 2)
        var transitions: [BreakerTransition?] = []
        for taken in first { transitions.append(try await f.finish(f.a, taken, failed: true)) }
        for taken in second { transitions.append(try await f.finish(f.b, taken, failed: true)) }
        return transitions
    }

    @Test func failuresOverTheRateOpenItOnce() async throws {
        try await F.run { f in
            let transitions = try await open(f)
            #expect(transitions.map { $0?.kind } == [nil, nil, nil, .opened], "expected the 4th failure to open it, saw \(transitions.map { $0?.kind })")
            #expect(transitions.last??.failed == 4 && transitions.last??.attempts == 4)
            #expect(try await f.breakerField("state") == "open")
        }
    }

    @Test func failuresSettledInOneCallOpenItOnce() async throws {
        try await F.run { f in
            try await f.controls.setBreaker(Self.settings, for: F.type)
            try await f.push(["e1", "e2", "e3", "e4", "e5"])
            let taken = try await f.take(f.a)
            let settlements = taken.map { Settlement(entry: $0.stored, step: .schedule($0.stored, after: .seconds(60), releasing: $0.lease)) }
            let releases = taken.compactMap { $0.flow.map { FlowRelease($0, .failure) } }
            let transitions = try await f.a.settle(settlements, flows: releases, recording: nil).transitions
            #expect(transitions.map { $0?.kind } == [nil, nil, nil, .opened, nil], "expected the 4th of 5 failures in one settle to open it, saw \(transitions.map { $0?.kind })")
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
            let settlements = taken.map { Settlement(entry: $0.stored, step: .schedule($0.stored, after: .seconds(60), releasing: $0.lease)) }
            let releases = taken.compactMap { $0.flow.map { FlowRelease($0, .failure) } }
            if firstCallArrived { _ = try await f.a.settle(settlements, flows: releases, recording: nil) }
            _ = try await f.a.settle(settlements, flows: releases, recording: nil, again: true)
            let (attempts, failed) = (try await f.breakerField("ct"), try await f.breakerField("cf"))
            #expect(attempts == "2" && failed == "2", "expected 2 attempts, 2 failed in the window, saw \(attempts ?? "none"), \(failed ?? "none")")
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
            #expect(transition?.kind == .reopened && transition?.cooldown == .milliseconds(600), "expected reopened for 600 ms, saw \(String(describing: transition))")
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
