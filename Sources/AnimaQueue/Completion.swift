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
}
