import AnimaQueue
public import AnimaRedis

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension RedisOptions {
    /// `REDIS_URL` parsed, its TLS settings read (their files loaded), and `ANIMA_KEY_PREFIX`
    /// checked: the settings every executable shares.
    public func resolve(_ settings: SettingsReader) throws(ConfigurationError) -> (redis: RedisConfiguration, keyPrefix: String) {
        var redis: RedisConfiguration
        do {
            redis = try RedisConfiguration(url: settings.string(redisURL, "REDIS_URL", default: RedisConfiguration.defaultURL))
        } catch {
            throw ConfigurationError(error.message)
        }
        redis.tls = try resolveTLS(settings, url: redis)
        let prefix = settings.string(keyPrefix, "ANIMA_KEY_PREFIX", default: QueueKeys().prefix)
        guard !prefix.isEmpty, !prefix.contains(where: \.isWhitespace) else {
            throw ConfigurationError("--key-prefix (ANIMA_KEY_PREFIX) must be non-empty without spaces, got '\(prefix)'")
        }
        return (redis, prefix)
    }

    /// The `ANIMA_REDIS_TLS_*` settings for a `rediss://` URL, their files read now. Given with a
    /// plain URL they are an error rather than ignored: the user meant TLS.
    private func resolveTLS(_ settings: SettingsReader, url redis: RedisConfiguration) throws(ConfigurationError) -> RedisTLSConfiguration?
    {
        let given: [(value: String?, variable: String)] = [
            (settings.text(tlsCAFile, "ANIMA_REDIS_TLS_CA_FILE"), "ANIMA_REDIS_TLS_CA_FILE"),
            (settings.text(tlsCertificateFile, "ANIMA_REDIS_TLS_CERT_FILE"), "ANIMA_REDIS_TLS_CERT_FILE"),
            (settings.text(tlsKeyFile, "ANIMA_REDIS_TLS_KEY_FILE"), "ANIMA_REDIS_TLS_KEY_FILE"),
            (settings.text(tlsServerName, "ANIMA_REDIS_TLS_SERVER_NAME"), "ANIMA_REDIS_TLS_SERVER_NAME"),
        ]
        guard var tls = redis.tls else {
            if let set = given.first(where: { $0.value != nil }) {
                throw ConfigurationError(
                    "\(SettingsReader.name(set.variable)) is set but REDIS_URL \(redis) is not TLS: use rediss:// or rediss-sentinel://"
                )
            }
            return nil
        }
        tls.caFile = given[0].value
        tls.certificateFile = given[1].value
        tls.keyFile = given[2].value
        tls.serverName = given[3].value
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw ConfigurationError(
                "\(SettingsReader.name("ANIMA_REDIS_TLS_CERT_FILE")) and \(SettingsReader.name("ANIMA_REDIS_TLS_KEY_FILE")) go together: give both or neither"
            )
        }
        for (path, variable) in given.prefix(3) {
            if let path, let reason = Self.unreadable(path) {
                throw ConfigurationError("\(SettingsReader.name(variable)) \(path) cannot be read: \(reason)")
            }
        }
        do {
            try tls.load()
        } catch {
            throw ConfigurationError("TLS to Redis: \(error.message)")
        }
        return tls
    }

    /// Why `path` cannot be opened for reading, nil when it can.
    private static func unreadable(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return String(cString: strerror(errno)) }
        fclose(file)
        return nil
    }
}
