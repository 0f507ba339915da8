import NIOConcurrencyHelpers
import NIOCore

/// The entries this worker has taken and not yet settled, exactly as stored.
///
/// After a failed take, anything else in the worker's processing list was moved there by a take
/// that Redis ran but whose reply never arrived (the connection dropped or timed out in
/// between): nobody would ever handle it while the worker lives. Comparing the list with this
/// set finds such entries. A multiset, so that identical bytes taken twice are counted twice.
final class HeldEntries: Sendable {
    private let counts = NIOLockedValueBox<[Key: Int]>([:])

    /// An entry compared by all its bytes but hashed by its length and its first and last 64
    /// bytes (where the event id and the attempt count are): the set is hit twice per event, and
    /// hashing whole bodies was a visible share of the worker's time.
    private struct Key: Hashable, Sendable {
        let entry: ByteBuffer

        func hash(into hasher: inout Hasher) {
            entry.withUnsafeReadableBytes { bytes in
                hasher.combine(bytes.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes.prefix(64)))
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes.suffix(64)))
            }
        }

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.entry == rhs.entry }
    }

    func add(_ entries: some Sequence<ByteBuffer>) {
        counts.withLockedValue { counts in
            for entry in entries { counts[Key(entry: entry), default: 0] += 1 }
        }
    }

    /// Call once an entry left the processing list (settled), or was given up.
    func remove(_ entries: some Sequence<ByteBuffer>) {
        counts.withLockedValue { counts in
            for entry in entries {
                guard let index = counts.index(forKey: Key(entry: entry)) else { continue }
                if counts.values[index] > 1 {
                    counts.values[index] -= 1
                } else {
                    counts.remove(at: index)
                }
            }
        }
    }

    var snapshot: Set<ByteBuffer> { counts.withLockedValue { Set($0.keys.map(\.entry)) } }
}
