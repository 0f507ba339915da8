/// The pieces of `REDIS_URL` parsing shared by the `redis://` and `redis-sentinel://` forms.
extension RedisConfiguration {
    static func invalid(_ url: String, _ why: String) -> RedisError {
        RedisError(.invalidURL, "REDIS_URL \(redacted(url)): \(why)")
    }

    /// Takes `[[user]:password@]` off `rest`, setting ``username`` and ``password``; returns the
    /// host part and the path after the first `/` (nil when there is none).
    mutating func parseUserInfo(_ rest: Substring, url: String) throws(RedisError) -> (hostPort: Substring, path: Substring?) {
        var rest = rest
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = String(userInfo[..<colon])
                username = user.isEmpty ? nil : Self.percentDecoded(user)
                password = Self.percentDecoded(String(userInfo[userInfo.index(after: colon)...]))
            } else if !userInfo.isEmpty {
                // `redis://password@host` is a common shorthand for a password alone.
                password = Self.percentDecoded(String(userInfo))
            }
        }
        guard let slash = rest.firstIndex(of: "/") else { return (rest, nil) }
        return (rest[..<slash], rest[rest.index(after: slash)...])
    }

    static func database(_ text: Substring, url: String) throws(RedisError) -> Int {
        guard let db = Int(text), db >= 0 else { throw invalid(url, "database '\(text)' must be a number ≥ 0") }
        return db
    }

    /// `host[:port]` or `[v6]:port`; the port defaults to `defaultPort`.
    static func address(_ hostPort: Substring, url: String, defaultPort: Int = 6379) throws(RedisError) -> (host: String, port: Int) {
        var host = String(hostPort)
        var port = defaultPort
        if hostPort.hasPrefix("[") {  // [::1]:6379
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid(url, "unclosed [ in host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw invalid(url, "port must be 1–65535") }
                port = p
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else {
                throw invalid(url, "port must be 1–65535")
            }
            port = p
        }
        guard !host.isEmpty else { throw invalid(url, "host is missing") }
        return (host == "localhost" ? "127.0.0.1" : host, port)
    }

    /// `redis-sentinel://[[user]:password@]HOST:PORT[,HOST:PORT…]/MASTER[/DB][?sentinel_password=P]`
    /// (or `rediss-sentinel://`, the `scheme` given).
    mutating func parseSentinel(_ url: String, scheme: String) throws(RedisError) {
        let withoutScheme = url.dropFirst(scheme.count)
        let query = withoutScheme.firstIndex(of: "?").map { withoutScheme[withoutScheme.index(after: $0)...] }
        let rest = withoutScheme.prefix { $0 != "?" }
        let (hosts, path) = try parseUserInfo(rest, url: url)
        var sentinel = RedisSentinelEndpoint(sentinels: [], masterName: "")
        guard !hosts.isEmpty else { throw Self.invalid(url, "no Sentinel address given (redis-sentinel://HOST:PORT,…/MASTER)") }
        for hostPort in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            guard !hostPort.isEmpty else { throw Self.invalid(url, "an empty Sentinel address in the list") }
            let address = try Self.address(hostPort, url: url, defaultPort: 26379)
            sentinel.sentinels.append(.init(host: address.host, port: address.port))
        }
        let parts = (path ?? "").split(separator: "/", omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else {
            throw Self.invalid(url, "the master's name is missing (redis-sentinel://HOST:PORT,…/MASTER)")
        }
        guard parts.count <= 2 else { throw Self.invalid(url, "expected /MASTER or /MASTER/DB after the Sentinels") }
        sentinel.masterName = Self.percentDecoded(String(name))
        if parts.count == 2, !parts[1].isEmpty {
            database = try Self.database(parts[1], url: url)
        }
        if let query {
            for pair in query.split(separator: "&") {
                let item = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let value = item.count == 2 ? Self.percentDecoded(item[1]) : ""
                switch item[0] {
                case "sentinel_password": sentinel.password = value
                case "sentinel_user", "sentinel_username": sentinel.username = value
                default: throw Self.invalid(url, "unknown parameter '\(item[0])' (use sentinel_password, sentinel_user)")
                }
            }
        }
        endpoint = .sentinel(sentinel)
    }
}
