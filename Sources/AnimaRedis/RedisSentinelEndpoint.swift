/// The Sentinels to ask for a master's address, and the name under which they watch it.
///
/// Parsed from `redis-sentinel://[[user]:password@]HOST:PORT[,HOST:PORT…]/MASTER[/DB]`
/// `[?sentinel_password=P]` by ``RedisConfiguration/init(url:)``. The user and password in the
/// URL are the data nodes'; ``username`` and ``password`` here are the Sentinels' own.
public struct RedisSentinelEndpoint: Sendable, Hashable {
    /// One Sentinel's address.
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var sentinels: [Address]
    public var masterName: String
    /// Credentials for the Sentinels (`sentinel_password`, `sentinel_user`), when they require one.
    public var username: String?
    public var password: String?

    public init(sentinels: [Address], masterName: String, username: String? = nil, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.username = username
        self.password = password
    }
}
