import AnimaQueue
import AnimaRedis
import Crypto
import Foundation
import NIOCore

/// The dead letters that match a filter, read from the newest end in bounded chunks (through
/// ``DeadLetterStore/list(limit:type:)``) up to the scan limit, filtered here.
struct DeadLetterScan: Sendable {
    let store: DeadLetterStore
    let scanLimit: Int

    /// What one scan found.
    struct Result: Sendable {
        /// The matching entries, newest first.
        let matches: [DeadLetterStore.Entry]
        /// How many entries were read.
        let scanned: Int
        /// How many entries the list holds.
        let total: Int

        /// True when the list is longer than what was read: older entries were not looked at.
        var truncated: Bool { scanned < total }

        /// A digest of the matched entries' identities (their `dead_id`s in order): the
        /// confirm form carries it, so an action refuses a set that changed since its count.
        var digest: String { DeadLetterScan.digest(of: matches) }

        /// How many match, per event type, most first.
        var byType: [(type: String, count: Int)] {
            var counts: [String: Int] = [:]
            for entry in matches { counts[entry.letter?.type ?? "(none)", default: 0] += 1 }
            return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Reads up to ``scanLimit`` entries (fewer when `enough` matches are found first).
    func run(_ query: DeadLetterQuery, enough: Int = .max) async throws(RedisError) -> Result {
        let total = try await store.count()
        let wanted = query.isEmpty ? min(scanLimit, enough) : scanLimit
        let entries = try await store.list(limit: wanted, type: nil)
        var matches: [DeadLetterStore.Entry] = []
        for entry in entries where query.matches(entry) {
            matches.append(entry)
            if matches.count >= enough { break }
        }
        return Result(matches: matches, scanned: entries.count, total: max(total, entries.count))
    }

    static func digest(of entries: [DeadLetterStore.Entry]) -> String {
        var hasher = SHA256()
        for entry in entries {
            if let deadID = entry.letter?.deadID {
                hasher.update(data: Array(deadID.utf8))
            } else {
                hasher.update(data: Array(SHA256.hash(data: Array(entry.stored.readableBytesView))))
            }
            hasher.update(data: [0x0A])
        }
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

extension DeadLetterScan {
    /// The newest entry whose `dead_id` or event id is `id`, among the first ``scanLimit``.
    func find(_ id: String) async throws(RedisError) -> DeadLetterStore.Entry? {
        guard !id.isEmpty else { return nil }
        let entries = try await store.list(limit: scanLimit, type: nil)
        return entries.first { $0.letter?.deadID == id || $0.letter?.id == id }
    }
}
