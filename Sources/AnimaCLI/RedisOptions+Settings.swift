import AnimaQueue
public import AnimaRedis

extension RedisOptions {
    /// `REDIS_URL` parsed, and `ANIMA_KEY_PREFIX` checked: the settings every executable shares.
    public func resolve(_ settings: SettingsReader) throws(ConfigurationError) -> (redis: RedisConfiguration, keyPrefix: String) {
        let redis: RedisConfiguration
        do {
            redis = try RedisConfiguration(url: settings.string(redisURL, "REDIS_URL", default: RedisConfiguration.defaultURL))
        } catch {
            throw ConfigurationError(error.message)
        }
        let prefix = settings.string(keyPrefix, "ANIMA_KEY_PREFIX", default: QueueKeys().prefix)
        guard !prefix.isEmpty, !prefix.contains(where: \.isWhitespace) else {
            throw ConfigurationError("--key-prefix (ANIMA_KEY_PREFIX) must be non-empty without spaces, got '\(prefix)'")
        }
        return (redis, prefix)
    }
}
