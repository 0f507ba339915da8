/// Where and how to reach Redis. Parsed from `REDIS_URL`.
///
/// Accepted forms:
/// - `redis://host:port/db`
/// - `redis://:password@host:port/db`
/// - `redis://user:password@host:port/db` (Redis 6 ACL users)
/// - `unix:///path/to/redis.sock` (optionally `?db=N&password=P&user=U`)
/// - `redis-sentinel://[[user]:password@]HOST:PORT[,HOST:PORT…]/MASTER[/DB][?sentinel_password=P]`
///   (the master is found through Sentinel; see ``RedisSentinelEndpoint``)
/// - `rediss://…` and `rediss-sentinel://…`: the same over TLS (to the Sentinels and the data
///   nodes), with ``tls`` set to verify against the system's roots; see ``RedisTLSConfiguration``.
///
/// Port defaults to 6379 and db to 0. Percent-escapes in user and password are decoded.
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
        /// Ask these Sentinels for the master's address at every (re)connect.
        case sentinel(RedisSentinelEndpoint)
    }

    public var endpoint: Endpoint
    public var username: String?
    public var password: String?
    public var database: Int
    /// How long opening a connection may take. Default 1 s.
    public var connectTimeout: Duration
    /// How long one command (or one pipelined batch) may wait for its reply. Default 2 s.
    /// A blocking command needs a timeout longer than its block time.
    public var commandTimeout: Duration
    /// TLS to every node (and Sentinel) when set; nil for plain TCP.
    public var tls: RedisTLSConfiguration?

    public init(
        endpoint: Endpoint = .tcp(host: "127.0.0.1", port: 6379),
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .seconds(2),
        tls: RedisTLSConfiguration? = nil
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.tls = tls
    }

    /// The default `REDIS_URL`.
    public static let defaultURL = "redis://127.0.0.1:6379/0"

    /// Parses a `REDIS_URL`. Throws ``RedisError/Code/invalidURL`` with the reason.
    public init(url: String) throws(RedisError) {
        self.init()
        func fail(_ why: String) -> RedisError {
            RedisError(.invalidURL, "REDIS_URL \(Self.redacted(url)): \(why)")
        }
        if url.hasPrefix("unix://") {
            var rest = Substring(url.dropFirst("unix://".count))
            if let q = rest.firstIndex(of: "?") {
                let query = rest[rest.index(after: q)...]
                rest = rest[..<q]
                for pair in query.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    let value = parts.count == 2 ? Self.percentDecoded(parts[1]) : ""
                    switch parts[0] {
                    case "db":
                        guard let db = Int(value), db >= 0 else { throw fail("db must be a number ≥ 0") }
                        database = db
                    case "password": password = value
                    case "user", "username": username = value
                    default: throw fail("unknown parameter '\(parts[0])' (use db, password, user)")
                    }
                }
            }
            guard rest.hasPrefix("/") else { throw fail("a unix socket path must be absolute (unix:///path/redis.sock)") }
            endpoint = .unixSocket(path: String(rest))
            return
        }
        for scheme in ["redis-sentinel://", "rediss-sentinel://"] where url.hasPrefix(scheme) {
            try parseSentinel(url, scheme: scheme)
            if scheme == "rediss-sentinel://" { tls = RedisTLSConfiguration() }
            return
        }
        guard let scheme = ["redis://", "rediss://"].first(where: url.hasPrefix) else {
            throw fail("must start with redis://, rediss://, redis-sentinel://, rediss-sentinel:// or unix://")
        }
        if scheme == "rediss://" { tls = RedisTLSConfiguration() }
        let (hostPort, path) = try parseUserInfo(Substring(url.dropFirst(scheme.count)), url: url)
        if let dbText = path, !dbText.isEmpty {
            database = try Self.database(dbText, url: url)
        }
        let address = try Self.address(hostPort, url: url)
        endpoint = .tcp(host: address.host, port: address.port)
    }

    /// The URL with any password replaced by `***`, safe to log.
    public var description: String {
        let auth: String
        switch (username, password) {
        case (let user?, _?): auth = "\(user):***@"
        case (nil, _?): auth = ":***@"
        case (let user?, nil): auth = "\(user)@"
        case (nil, nil): auth = ""
        }
        switch endpoint {
        case .tcp(let host, let port):
            let shown = host.contains(":") ? "[\(host)]" : host
            return "redis\(tls == nil ? "" : "s")://\(auth)\(shown):\(port)/\(database)"
        case .sentinel(let sentinel):
            let list = sentinel.sentinels.map(\.description).joined(separator: ",")
            return "redis\(tls == nil ? "" : "s")-sentinel://\(auth)\(list)/\(sentinel.masterName)/\(database)"
                + (sentinel.password != nil ? " (with Sentinel password)" : "")
        case .unixSocket(let path):
            return "unix://\(path)" + (database != 0 ? "?db=\(database)" : "") + (password != nil ? " (with password)" : "")
        }
    }

    /// `url` with the part between `://` and `@` hidden, for error messages about unparsable URLs.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.firstIndex(of: "/"), let at = url.lastIndex(of: "@"), at > schemeEnd else {
            return "'\(url)'"
        }
        return "'\(url[..<schemeEnd])//***\(url[at...])'"
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
