public import NIOCore

/// Where a walk over the dead-letter list stands; pure bookkeeping (the reads are in
/// `DeadLetterStore.walk`).
///
/// The walk goes from the tail (oldest end) with negative indexes. New dead letters arrive at the
/// head (LPUSH), so they never move a position counted from the tail; a position moves only when
/// an entry tail-side of it leaves. The only entries there are those the walk passed and left in
/// place (``kept``): the ones it moved itself are gone and shift nothing still ahead, so the next
/// window is always `LRANGE -(kept+chunk) -(kept+1)`. (A cursor from the head would have to be
/// recomputed after every LREM and would still race with every new arrival.)
///
/// Someone else removing a passed entry (another admin) would make the next window skip one, so
/// each window also reads the element just past it, which must be ``anchor``; when it is not, the
/// walk finds the anchor again, or starts over from the tail, and ``seen`` keeps it from handling
/// an entry twice. The walk ends at the entry that was newest when it started (or after as many
/// entries as the list held), so dead letters that arrive meanwhile, including those its own
/// replays cause, are left for the next run.
struct DeadLetterCursor {
    let chunkSize: Int
    /// Entries tail-side of the cursor that are still in the list.
    private(set) var kept = 0
    /// The newest entry passed and left in place; nil exactly when ``kept`` is 0.
    private(set) var anchor: ByteBuffer?
    /// Identities of the entries handled so far.
    private var seen: Set<String> = []
    /// The identity of the newest entry when the walk started.
    private let last: String?
    /// How many more entries the walk may handle: the list's length at the start, less those handled.
    private var budget: Int
    private(set) var finished: Bool

    init(chunkSize: Int, newest: DeadLetterStore.Entry?, length: Int) {
        self.chunkSize = max(1, chunkSize)
        self.last = newest.map(Self.identity)
        self.budget = length
        self.finished = newest == nil || length == 0
    }

    /// The `dead_id`, else (not a dead-letter object) the stored text.
    static func identity(_ entry: DeadLetterStore.Entry) -> String {
        entry.letter?.deadID ?? String(buffer: entry.stored)
    }

    /// LRANGE bounds of the next window: up to `chunkSize` entries head-side of the cursor, then
    /// the anchor, when there is one, as the last element.
    var window: (start: Int, stop: Int) { (-(kept + chunkSize), anchor == nil ? -(kept + 1) : -kept) }

    /// An entry and its position counted from the tail (1 for the oldest) when it was read.
    typealias Located = (entry: DeadLetterStore.Entry, fromTail: Int)

    /// The entries of one window (as read, anchor removed) not handled yet, oldest first, up to
    /// the walk's last entry; marks them handled.
    mutating func take(_ window: [DeadLetterStore.Entry]) -> [Located] {
        var fresh: [Located] = []
        for (index, entry) in window.enumerated().reversed() where !finished {
            let identity = Self.identity(entry)
            guard seen.insert(identity).inserted else { continue }
            fresh.append((entry, kept + window.count - index))
            budget -= 1
            if identity == last || budget == 0 { finished = true }
        }
        if window.count < chunkSize { finished = true }  // reached the head
        return fresh
    }

    /// Moves past a window once the entries of it whose identities are in `removed` left the list.
    mutating func advance(past window: [DeadLetterStore.Entry], removed: Set<String>) {
        let left = window.filter { !removed.contains(Self.identity($0)) }
        kept += left.count
        if let newest = left.first { anchor = newest.stored }
    }

    /// The anchor was not where expected: it is now `position` entries from the tail (counting
    /// itself), or gone (nil), and then the walk starts over from the tail.
    mutating func relocate(anchorAt position: Int?) {
        if let position, position > 0 {
            kept = position
        } else {
            kept = 0
            anchor = nil
        }
    }
}
