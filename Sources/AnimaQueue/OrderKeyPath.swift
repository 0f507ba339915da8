/// `ANIMA_ORDER_KEY`: a dotted path into an event's JSON object (`data.id`,
/// `data.resource.id`) whose value, a non-empty string or an integer, orders the event.
///
/// The path is read inside the take script (``OrderScripts``), not in Swift: deciding whether
/// an event may run and moving it out of the pending list must be one atomic step, or two
/// workers taking two events of one key in one instant could start them out of order.
public struct OrderKeyPath: Sendable, Hashable, CustomStringConvertible {
    /// The path's segments, in order (`["data", "id"]`).
    public let segments: [String]
    /// Each segment's UTF-8 bytes.
    let segmentBytes: [[UInt8]]

    /// Nil when `path` is empty or has an empty segment (`data..id`, `.id`).
    public init?(_ path: String) {
        let segments = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, !segments.contains(where: \.isEmpty) else { return nil }
        self.segments = segments
        self.segmentBytes = segments.map { Array($0.utf8) }
    }

    public var description: String { segments.joined(separator: ".") }
}

/// An event that holds, or will hold, its key: what the take script found in its body.
/// Its final outcome hands the key to the next event waiting for it.
public struct OrderHold: Sendable, Hashable {
    /// The event's key (an integer value is written in decimal).
    public let key: String
    /// The event's id, as the take script read it: the key's holder.
    public let eventID: String

    public init(key: String, eventID: String) {
        self.key = key
        self.eventID = eventID
    }
}
