public import AnimaRedis

/// What recording a success found.
public enum Completion: Sendable, Equatable {
    /// The done mark is written and the entry acknowledged.
    case recorded
    /// The done mark was there and the entry already gone. On a retry after a Redis failure:
    /// the earlier try did it and only its reply was lost. On a first try: the entry was
    /// recovered by another worker (this one looked dead), which handled it too.
    case alreadyAcknowledged
    /// Another worker owns the id now or wrote the mark: its result stands, the entry is
    /// acknowledged.
    case ownedElsewhere

    /// The completion script's reply (`1`, `2`, `0`); nil for anything else.
    public init?(reply: RedisValue) {
        switch reply.int {
        case 1: self = .recorded
        case 2: self = .alreadyAcknowledged
        case 0: self = .ownedElsewhere
        default: return nil
        }
    }
}
