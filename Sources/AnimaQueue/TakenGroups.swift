import AnimaRedis
import NIOCore

/// A take script's reply in groups of `size` (entry, key or hint, id; and a slot token for
/// held events): the entries to claim, each with the hold and the admission it gets after.
struct TakenGroups: Sendable {
    private(set) var entries: [ByteBuffer] = []
    private var holds: [OrderHold?] = []
    private var tickets: [FlowTicket?] = []

    /// A hint number in an entry's group names the hint's key and id (the script did not repeat
    /// them).
    init(_ reply: RedisValue, of size: Int, flowType: String?, hints: [OrderHint] = []) throws(RedisError) {
        if case .error(let message) = reply {
            throw RedisError.reply(message, to: flowType == nil ? "ordered take" : "take of held events")
        }
        let items = reply.array ?? []
        for index in stride(from: 0, to: items.count - size + 1, by: size) {
            guard let entry = items[index].bytes else { continue }
            entries.append(entry)
            if case .integer(let hint) = items[index + 1], hints.indices.contains(hint - 1) {
                holds.append(hints[hint - 1].hold)
            } else {
                holds.append(items[index + 1].string.flatMap { key in items[index + 2].string.map { OrderHold(key: key, eventID: $0) } })
            }
            tickets.append(flowType.flatMap { type in items[index + 3].string.map { FlowTicket(type: type, token: $0) } })
        }
    }

    /// Gives each of `taken` (made from ``entries``, in order) its hold and admission.
    func attach<Parsed>(to taken: inout [WorkerQueue.Taken<Parsed>]) {
        for index in taken.indices {
            taken[index].hold = holds[index]
            taken[index].flow = tickets[index]
        }
    }
}
