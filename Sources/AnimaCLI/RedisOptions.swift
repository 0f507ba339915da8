import AnimaQueue
import AnimaRedis
public import ArgumentParser

/// The settings every executable shares: where Redis is and the key prefix.
public struct RedisOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("redis-url"),
        help:
            "Redis to use (env REDIS_URL; default \(RedisConfiguration.defaultURL)). Also redis://:password@host:port/db, redis://user:password@host:port/db, unix:///path/redis.sock, redis-sentinel://host:26379,host2:26379/master[/db] (Sentinel)."
    )
    public var redisURL: String?

    @Option(name: .customLong("key-prefix"), help: "Prefix of every Redis key (env ANIMA_KEY_PREFIX; default \(QueueKeys().prefix)).")
    public var keyPrefix: String?

    public init() {}
}
