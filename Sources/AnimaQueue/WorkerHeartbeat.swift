public import Foundation

/// What a worker writes to `anima:worker:<id>` on every tick, and what `anima-admin stats`
/// reads back: `{"pid":…,"concurrency":…,"started":"<ISO 8601>","beat":<ms since 1970>}`.
public struct WorkerHeartbeat: Codable, Sendable, Equatable {
    public var pid: Int
    public var concurrency: Int
    /// When the worker process started (ISO 8601).
    public var started: String
    /// When this heartbeat was written, in milliseconds since 1970.
    public var beat: Int64

    public init(pid: Int, concurrency: Int, started: String, beat: Int64) {
        self.pid = pid
        self.concurrency = concurrency
        self.started = started
        self.beat = beat
    }

    /// A heartbeat written now.
    public init(pid: Int, concurrency: Int, started: String, at now: Date = Date()) {
        self.init(pid: pid, concurrency: concurrency, started: started, beat: Int64(now.timeIntervalSince1970 * 1000))
    }

    /// The JSON stored in Redis.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// A stored heartbeat; nil when it is not one.
    public init?(stored: Data) {
        guard let beat = try? JSONDecoder().decode(Self.self, from: stored) else { return nil }
        self = beat
    }
}
