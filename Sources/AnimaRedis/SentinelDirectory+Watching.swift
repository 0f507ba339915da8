#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The announcements of one Sentinel, heard on a thread of the directory's own.
extension SentinelDirectory {
    static let channels = [
        "+switch-master", "+try-failover", "+selected-slave",
        "-failover-abort-not-elected", "-failover-abort-no-good-slave", "-failover-abort-slave-timeout",
    ]

    /// Runs while any socket is registered; reconnects to its Sentinel after a failure.
    func watch(_ sentinel: RedisSentinelEndpoint.Address) {
        while stillNeeded() {
            let connection = RedisConnection(configuration: configuration(of: sentinel, timeout: .milliseconds(500)))
            do {
                _ = try connection.pipeline([RedisCommand("SUBSCRIBE", arguments: Self.channels)])
                // One reply per channel confirms the subscription; the first came with the pipeline.
                for _ in 1..<Self.channels.count { _ = try connection.nextReply(within: .seconds(1)) }
                while stillNeeded() {
                    if let message = try connection.nextReply(within: .seconds(1)) {
                        handle(message)
                    }
                }
            } catch {
                usleep(200_000)
            }
            connection.close()
        }
    }

    /// `message CHANNEL PAYLOAD`; the payloads name the master as `NAME IP PORT` (`master NAME IP
    /// PORT`, `… @ NAME IP PORT`, or `NAME OLDIP OLDPORT NEWIP NEWPORT` for `+switch-master`).
    func handle(_ message: RedisValue) {
        guard let parts = message.array, parts.count == 3, parts[0].string == "message", let channel = parts[1].string,
            let words = parts[2].string?.split(separator: " ").map(String.init)
        else { return }
        func address(after index: Int) -> RedisSentinelEndpoint.Address? {
            guard index + 2 < words.count, words[index] == endpoint.masterName, let port = Int(words[index + 2]) else { return nil }
            return RedisSentinelEndpoint.Address(host: words[index + 1], port: port)
        }
        switch channel {
        case "+switch-master":
            guard words.count == 5, words[0] == endpoint.masterName, let port = Int(words[4]) else { return }
            let master = RedisSentinelEndpoint.Address(host: words[3], port: port)
            thaw()
            dropSockets { $0 != master }
        case "+try-failover":
            if words.first == "master", let master = address(after: 1) { freeze(master) }
        case "+selected-slave":
            if let at = words.firstIndex(of: "@"), let master = address(after: at + 1) { freeze(master) }
        default:  // -failover-abort-*
            if words.first == "master", address(after: 1) != nil { thaw() }
        }
    }
}
