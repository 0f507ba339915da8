/// What a filtered replay would move, from its dry run.
public struct DeadLetterPreview: Sendable, Equatable, Encodable {
    /// How many entries match.
    public var matched = 0
    /// Matching entries per event type; ``noType`` counts those without a type.
    public var byType: [String: Int] = [:]
    /// How many distinct event ids the matching entries have (not in the JSON form).
    public var distinctIDs = 0
    /// How many of the distinct matching event ids already have a done mark.
    public var alreadyDone = 0
    /// The first distinct matching event ids, in replay order (oldest first).
    public var ids: [String] = []

    /// The `byType` key of entries without a type (malformed bodies).
    public static let noType = "(none)"

    enum CodingKeys: String, CodingKey {
        case matched
        case byType = "by_type"
        case alreadyDone = "already_done"
        case ids
    }

    public init(matched: Int = 0, byType: [String: Int] = [:], distinctIDs: Int = 0, alreadyDone: Int = 0, ids: [String] = []) {
        self.matched = matched
        self.byType = byType
        self.distinctIDs = distinctIDs
        self.alreadyDone = alreadyDone
        self.ids = ids
    }
}
