import AnimaTestSupport

/// The mix of requests, built up front from a seeded generator (``BarrageBuilder``).
struct Barrage {
    let slow: [Shot]
    let shots: [Shot]
    /// Every body that was validly signed somewhere in the mix (smuggled or mutated requests
    /// may carry one); nothing else may be stored.
    let signedBodies: Set<[UInt8]>

    init(ingress: IngressProcess, seed: UInt64) {
        var builder = BarrageBuilder(ingress: ingress, random: SplitMix64(seed: seed))
        builder.addValidShapes()
        builder.addHostileHeadersAndFraming()
        builder.addMethodsPathsAndVersions()
        builder.addSmuggling()
        builder.addRandomAndMutated()
        builder.random.shuffle(&builder.shots)
        self.shots = builder.shots
        self.slow = builder.slowSenders()
        self.signedBodies = builder.signed
    }

    /// Sends every shot, `lanes` at a time, while the slow senders trickle beside them.
    func fire(at http: HTTPTestClient, lanes: Int) async throws -> [Outcome] {
        let laneShots = (0..<lanes).map { lane in Array(shots[lane...].enumerated().filter { $0.offset % lanes == 0 }.map(\.element)) }
        return try await withThrowingTaskGroup(of: [Outcome].self) { group in
            for shot in slow {
                group.addTask { [try await Self.send(shot, to: http)] }
            }
            for batch in laneShots {
                group.addTask {
                    var outcomes: [Outcome] = []
                    for shot in batch { outcomes.append(try await Self.send(shot, to: http)) }
                    return outcomes
                }
            }
            var all: [Outcome] = []
            for try await outcomes in group { all += outcomes }
            return all
        }
    }

    static func send(_ shot: Shot, to http: HTTPTestClient) async throws -> Outcome {
        let exchange = try await http.exchange(
            raw: shot.bytes,
            answers: max(1, shot.mustLand.count),
            halfClose: shot.halfClose,
            trickle: shot.trickle,
            timeout: shot.timeout
        )
        return Outcome(shot: shot, statuses: exchange.answers.map(\.status), closed: exchange.closed)
    }
}
