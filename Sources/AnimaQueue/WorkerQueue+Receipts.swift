public import AnimaRedis
public import NIOCore

extension WorkerQueue {
    /// The receipts of taken events, one per raw body, in order (nil where the ingress left
    /// none, or an older ingress wrote one this worker cannot read): one `HMGET`.
    public func receipts(of bodies: [ByteBuffer]) async throws(RedisError) -> [Receipt?] {
        if bodies.isEmpty { return [] }
        let fields = bodies.map { Receipt.field(of: $0) as any RedisArgument }
        let reply = try await operations.send(RedisCommand("HMGET", arguments: [keys.received] + fields))
        if case .error(let message) = reply { throw RedisError.reply(message, to: "HMGET receipts") }
        let values = reply.array ?? []
        return bodies.indices.map { index in
            index < values.count ? values[index].string.flatMap(Receipt.init) : nil
        }
    }
}
