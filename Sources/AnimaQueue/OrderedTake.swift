import AnimaRedis
import NIOCore

/// One ordered take as it goes into a pipeline (see ``OrderScripts``): the take script with
/// this worker's hints, then a look at the pending list's tail for the next take's hints
/// (``OrderHints``).
struct OrderedTake: Sendable {
    let commands: [RedisCommand]
    private let offered: OrderHints.Hints
    private let look: (skip: Int, count: Int)
    private let order: OrderKeyPath
    private let orderHints: OrderHints

    init(limit: Int, order: OrderKeyPath, keys: QueueKeys, processing: String, hints orderHints: OrderHints) {
        let offered = orderHints.take()
        var encoded = EncodedArguments(reservingCapacity: 96 * offered.hints.count)
        for hint in offered.hints { hint.append(to: &encoded, keys: keys) }
        let take = OrderScripts.take.call(
            keys: [keys.events, processing, keys.orderWaits],
            arguments: [limit, keys.prefix, order.segments.count] + order.segments,
            encoded: encoded
        )
        let (look, skip, count) = orderHints.look(at: keys.events, limit: limit)
        self.commands = [take, look]
        self.offered = offered
        self.look = (skip, count)
        self.order = order
        self.orderHints = orderHints
    }

    /// Reads the replies to ``commands`` (the last two of `replies`): the admitted groups
    /// (entry, key or hint, id) and the hints the take was offered.
    func read(_ replies: [RedisValue]) throws(RedisError) -> (groups: RedisValue, hints: [OrderHint]) {
        let (reply, tail) = (replies[replies.count - 2], replies[replies.count - 1])
        orderHints.read(tail, skip: look.skip, count: look.count, path: order)
        if case .error(let message) = reply { throw RedisError.reply(message, to: "ordered take") }
        let items = reply.array ?? []
        orderHints.record(offered, header: Array(items.prefix(3)))
        return (.array(Array(items.dropFirst(3))), offered.hints)
    }
}
