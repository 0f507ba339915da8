public import AnimaRedis
public import NIOCore

/// Flow control on the worker's side: taking held events back, renewing slots.
extension WorkerQueue {
    /// Takes back up to `limit` events of `type` held by its limit or breaker, oldest first,
    /// as many as there is room for now (``FlowScripts/takeHeld``), and claims them. Each comes
    /// with its ``FlowTicket`` (the slot is taken whatever the claim finds) and, when `order`
    /// is set, its hold.
    public func takeHeld<Parsed: Sendable>(
        type: String,
        limit: Int,
        order: OrderKeyPath?,
        lease: Duration,
        slotStem: String,
        token: @escaping @Sendable () -> String,
        parse: @escaping @Sendable (ByteBuffer) -> (Parsed, claimID: String?)
    ) async throws(RedisError) -> [Taken<Parsed>] {
        let arguments: [any RedisArgument] = [keys.prefix, type, lease.milliseconds, limit, slotStem] + (order?.segments ?? [])
        let call = FlowScripts.takeHeld.call(keys: [processing], arguments: arguments)
        let claims = BatchClaims(
            keys: keys, processing: processing, leaseMilliseconds: lease.milliseconds, token: token, parse: parse, admit: { _ in nil })
        return try await fetcher.withConnection { connection throws(RedisError) -> [Taken<Parsed>] in
            try claims.made(forHeld: connection.send(call), type: type, on: connection)
        }
    }

    /// Extends the slots of running attempts (and a probe's deadline) by `lease`.
    public func renew(_ tickets: [FlowTicket], lease: Duration) async throws(RedisError) {
        if tickets.isEmpty { return }
        let arguments: [any RedisArgument] =
            [keys.prefix, lease.milliseconds] + tickets.flatMap { [$0.type, $0.token] as [any RedisArgument] }
        _ = try await operations.evaluate(FlowScripts.renew, keys: [], arguments: arguments)
    }
}
