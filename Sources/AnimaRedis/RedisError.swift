/// A failure talking to Redis: what failed (``code``) and the detail (``message``).
///
/// Callers match on ``code``; ``message`` carries the server's own error text or the
/// operating system's reason. A message never contains a password.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: match the static members you care about.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// `REDIS_URL` could not be parsed. Fix the URL.
        public static let invalidURL = Code("invalid URL")
        /// Nothing listens at the address (Redis down or wrong port). Retried on the next command.
        public static let connectionRefused = Code("connection refused")
        /// The connection could not be opened for another reason (unknown host, no socket file, ...).
        public static let connectFailed = Code("connect failed")
        /// `AUTH` was rejected: wrong password or user. Fix `REDIS_URL`.
        public static let authenticationFailed = Code("authentication failed")
        /// Redis did not answer within the connect or command timeout.
        public static let timeout = Code("timeout")
        /// The connection broke (server restarted, network cut). The next command reconnects.
        public static let connectionLost = Code("connection lost")
        /// Redis answered with an error reply; ``RedisError/message`` holds its text.
        public static let server = Code("server error")
        /// A reply did not have the shape the caller expected.
        public static let unexpectedReply = Code("unexpected reply")
        /// The client was shut down.
        public static let closed = Code("closed")
        /// No Sentinel named an address for the master (all unreachable, or the name unknown to
        /// them). Check the Sentinels and the master name in `REDIS_URL`; retried on the next command.
        public static let masterNotFound = Code("master not found")
        /// The node found through Sentinel (or at the URL) is not a master: a failover is under
        /// way or the Sentinels disagree. Retried on the next command.
        public static let notMaster = Code("not a master")
        /// The node answered `READONLY`, `LOADING`, `MASTERDOWN` or `UNBLOCKED`: it stopped being
        /// a usable master. The connection was dropped; the next command finds the master again.
        public static let failover = Code("failover")
        /// The TLS handshake or a TLS read or write failed; the message says why ("certificate
        /// verify failed: …"). Check the CA, the server name and the client certificate settings;
        /// retried on the next command.
        public static let tlsFailed = Code("TLS failed")
        /// A TLS setting cannot be used: a CA, certificate or key file that cannot be read or parsed.
        public static let tlsSettings = Code("TLS settings")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True when the failure is about reaching Redis at all (as opposed to a command's own error):
    /// the caller should back off and try again later.
    public var isConnectionProblem: Bool {
        switch code {
        case .connectionRefused, .connectFailed, .authenticationFailed, .timeout, .connectionLost,
            .masterNotFound, .notMaster, .failover, .tlsFailed, .tlsSettings:
            true
        default: false
        }
    }

    /// The error for an error reply of Redis to `what`: ``Code/failover`` when the reply says
    /// the node is no longer a usable master, ``Code/server`` otherwise.
    public static func reply(_ message: String, to what: String) -> RedisError {
        RedisError(isFailoverReply(message) ? .failover : .server, "\(what): \(message)")
    }

    private static let failoverCodes = ["READONLY", "LOADING", "MASTERDOWN", "UNBLOCKED"]

    /// True for `READONLY …`, `LOADING …`, `MASTERDOWN …` and `UNBLOCKED …`, also when a script
    /// error wraps them (`ERR Error running script … -READONLY …` before Redis 7).
    static func isFailoverReply(_ message: String) -> Bool {
        for code in failoverCodes {
            if message.hasPrefix(code + " ") || message == code { return true }
            if message.hasPrefix("ERR"), message.contains("-" + code + " ") || message.contains(": " + code + " ") {
                return true
            }
        }
        return false
    }

    public var description: String { "Redis \(code): \(message)" }
}
