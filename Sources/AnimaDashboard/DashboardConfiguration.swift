public import AnimaRedis

/// Everything `anima-admin dashboard` needs, with the contract's defaults.
public struct DashboardConfiguration: Sendable {
    /// Listen address (`ANIMA_DASHBOARD_HOST`). Default `127.0.0.1`.
    public var host: String
    /// Listen port (`ANIMA_DASHBOARD_PORT`). Default 3001; 0 picks a free port.
    public var port: Int
    /// Prefix of every link and route, for a reverse proxy (`ANIMA_DASHBOARD_BASE_PATH`):
    /// empty or like `/anima`.
    public var basePath: String
    /// The HTTP Basic user (`ANIMA_DASHBOARD_USER`). Default `admin`.
    public var user: String
    /// The HTTP Basic password (`ANIMA_DASHBOARD_PASSWORD`); nil: no authentication.
    public var password: String?
    /// Answer every change with 403 and show no controls (`ANIMA_DASHBOARD_READ_ONLY=1`).
    public var readOnly: Bool
    /// Where Redis is.
    public var redis: RedisConfiguration
    /// Key prefix (`ANIMA_KEY_PREFIX`). Default `anima`.
    public var keyPrefix: String
    /// The most dead letters or retries one request reads. Default 10000.
    public var scanLimit: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 3001,
        basePath: String = "",
        user: String = "admin",
        password: String? = nil,
        readOnly: Bool = false,
        redis: RedisConfiguration = RedisConfiguration(),
        keyPrefix: String = "anima",
        scanLimit: Int = 10_000
    ) {
        self.host = host
        self.port = port
        self.basePath = Self.normalized(basePath: basePath)
        self.user = user
        self.password = password
        self.readOnly = readOnly
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.scanLimit = scanLimit
    }

    /// `anima/`, `/anima/` and `/anima` all become `/anima`; `/` and empty become empty.
    public static func normalized(basePath: String) -> String {
        let parts = basePath.split(separator: "/", omittingEmptySubsequences: true)
        return parts.isEmpty ? "" : "/" + parts.joined(separator: "/")
    }

    /// True for `localhost`, `::1` and `127.0.0.0/8`: hosts that only this machine reaches.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
