public import AnimaRedis
public import NIOCore

/// Taking a round ahead: a steady drain's batch is claimed in the round trip that takes the
/// next one (``TakenAhead``).
extension WorkerQueue {
    /// What one round of taking brings: the batch, claimed (a claim without an answer is made
    /// again on the slow path), and what was taken ahead for the next round.
    public struct Round<Parsed: Sendable>: Sendable {
        public var taken: [Taken<Parsed>]
        public var ahead: TakenAhead = .none
        /// The round trip that claimed the batch, or took ahead, failed: what its take moved
        /// is unknown (entries this worker does not hold may sit in its processing list).
        public var failure: RedisError? = nil
    }

    /// A round as ``takeAndClaim(limit:block:waitFirst:order:lease:token:parse:admit:)`` takes
    /// it, except that it also takes up to `next` events ahead when it may: when its batch came
    /// full without a wait. With events taken `ahead` by the last round, it claims those
    /// instead of taking (with the take ahead beside the claims) and throws nothing: a failure
    /// is the round's.
    public func takeRound<Parsed: Sendable>(
        ahead: TakenAhead,
        next: Int,
        limit: Int,
        block: Duration,
        waitFirst: Bool,
        order: OrderKeyPath?,
        lease: Duration,
        token: @escaping @Sendable () -> String,
        parse: @escaping @Sendable (ByteBuffer) -> (Parsed, claimID: String?),
        admit: @escaping @Sendable (Parsed) -> String?
    ) async throws(RedisError) -> Round<Parsed> {
        let claims = BatchClaims(
            keys: keys, processing: processing, leaseMilliseconds: lease.milliseconds, token: token, parse: parse, admit: admit)
        if ahead.isEmpty {
            return try await takeRound(limit: limit, block: block, waitFirst: waitFirst, order: order, next: next, claims: claims)
        }
        do {
            return try await fetcher.withConnection { connection throws(RedisError) -> Round<Parsed> in
                claims.made(ahead, then: next > 0 ? self.aheadTake(next, order: order) : nil, on: connection)
            }
        } catch {
            return Round(taken: claims.unanswered(ahead), failure: error)
        }
    }

    /// The take of up to `count` events for a next round.
    func aheadTake(_ count: Int, order: OrderKeyPath?) -> TakenAhead.Take {
        guard let order else {
            return TakenAhead.Take(count: count, take: plainTake(count))
        }
        return TakenAhead.Take(
            count: count, ordered: OrderedTake(limit: count, order: order, keys: keys, processing: processing, hints: orderHints))
    }
}
