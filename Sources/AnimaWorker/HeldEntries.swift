import NIOConcurrencyHelpers
import NIOCore

/// The entries this worker has taken and not yet settled, exactly as stored.
///
/// After a failed take, anything else in the worker's processing list was moved there by a take
/// that Redis ran but whose reply never arrived (the connection dropped or timed out in
/// between): nobody would ever handle it while the worker lives. Comparing the list with this
/// set finds such entries. A multiset, so that identical bytes taken twice are counted twice.
final class HeldEntries: Sendable {
    private let counts = NIOLockedValueBox<[ByteBuffer: Int]>([:])

    func add(_ entries: some Sequence<ByteBuffer>) {
        counts.withLockedValue { counts in
            for entry in entries { counts[entry, default: 0] += 1 }
        }
    }

    /// Call once an entry left the processing list (settled), or was given up.
    func remove(_ entries: some Sequence<ByteBuffer>) {
        counts.withLockedValue { counts in
            for entry in entries {
                guard let count = counts[entry] else { continue }
                counts[entry] = count > 1 ? count - 1 : nil
            }
        }
    }

    var snapshot: Set<ByteBuffer> { counts.withLockedValue { Set($0.keys) } }
}
