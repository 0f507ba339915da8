import AnimaQueue
import AnimaRedis
public import ArgumentParser

/// The settings every executable shares: where Redis is, how to speak TLS to it, the key prefix.
public struct RedisOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("redis-url"),
        help:
            "Redis to use (env REDIS_URL; default \(RedisConfiguration.defaultURL)). Also redis://:password@host:port/db, redis://user:password@host:port/db, unix:///path/redis.sock, redis-sentinel://host:26379,host2:26379/master[/db] (Sentinel), rediss://… and rediss-sentinel://… (TLS)."
    )
    public var redisURL: String?

    @Option(
        name: .customLong("redis-tls-ca-file"),
        help:
            "PEM bundle of the CAs that sign Redis's certificate, for rediss:// (env ANIMA_REDIS_TLS_CA_FILE; default: the system's roots)."
    )
    public var tlsCAFile: String?

    @Option(
        name: .customLong("redis-tls-server-name"),
        help: "Name Redis's certificate must carry, also sent as SNI (env ANIMA_REDIS_TLS_SERVER_NAME; default: the host connected to)."
    )
    public var tlsServerName: String?

    @Option(
        name: .customLong("redis-tls-cert-file"),
        help: "PEM client certificate, when Redis requires one (tls-auth-clients yes) (env ANIMA_REDIS_TLS_CERT_FILE)."
    )
    public var tlsCertificateFile: String?

    @Option(
        name: .customLong("redis-tls-key-file"),
        help: "PEM private key of --redis-tls-cert-file (env ANIMA_REDIS_TLS_KEY_FILE)."
    )
    public var tlsKeyFile: String?

    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key (env ANIMA_KEY_PREFIX; default \(QueueKeys().prefix)).")
    public var keyPrefix: String?

    public init() {}
}
