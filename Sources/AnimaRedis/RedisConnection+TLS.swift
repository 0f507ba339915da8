internal import CHiredis
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `rediss://`: hiredis connects the socket and parses replies; a ``RedisTLSSession`` carries
/// the bytes. Commands are written in one TLS write, and decrypted bytes are fed to the context's
/// own reader, so replies become ``RedisValue``s exactly as on the plain path.
extension RedisConnection {
    /// Handshakes over the freshly connected `context`, within the connect timeout.
    func startTLS(_ settings: RedisTLSConfiguration, host: String, on context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        let tlsContext = try RedisTLSContext.shared(for: settings)
        _ = redisSetTimeout(context, Self.timeval(configuration.connectTimeout))
        let name = settings.serverName ?? host
        do {
            tls = try RedisTLSSession(context: tlsContext, fd: context.pointee.fd, name: name)
        } catch {
            throw tlsError(error, connecting: true, name: name)
        }
    }

    func exchangeTLS(
        _ commands: [RedisCommand],
        over session: RedisTLSSession,
        context: UnsafeMutablePointer<redisContext>
    ) throws(RedisError) -> [RedisValue] {
        var wire = commands[0].encoded
        if commands.count > 1 {
            wire.reserveCapacity(commands.reduce(0) { $0 + $1.encoded.readableBytes })
            for command in commands.dropFirst() { wire.writeImmutableBuffer(command.encoded) }
        }
        let failure = wire.withUnsafeReadableBytes { bytes -> RedisTLSSession.Failure? in
            do throws(RedisTLSSession.Failure) {
                try session.write(bytes)
            } catch {
                return error
            }
            return nil
        }
        if let failure { throw failTLS(failure) }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            replies.append(try readReplyTLS(over: session, context: context))
        }
        return replies
    }

    /// The next reply: from what the reader holds, else after more reads.
    func readReplyTLS(over session: RedisTLSSession, context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> RedisValue {
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw failAndClose(context) }
            if let raw {
                defer { freeReplyObject(raw) }
                return Self.value(of: raw.assumingMemoryBound(to: redisReply.self))
            }
            do {
                try session.read { bytes in
                    _ = redisReaderFeed(context.pointee.reader, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
                }
            } catch {
                throw failTLS(error)
            }
        }
    }

    private func failTLS(_ failure: RedisTLSSession.Failure) -> RedisError {
        let error = tlsError(failure, connecting: false, name: nil)
        close()
        return error
    }

    private func tlsError(_ failure: RedisTLSSession.Failure, connecting: Bool, name: String?) -> RedisError {
        switch failure {
        case .timedOut:
            let limit = connecting ? configuration.connectTimeout : configuration.commandTimeout
            let what = connecting ? "finish the TLS handshake" : "answer"
            let hint = connecting ? " (is it a TLS port? a plain Redis port stays silent)" : ""
            return RedisError(.timeout, "\(target) did not \(what) within \(limit)\(hint)")
        case .closed:
            let when = connecting ? " during the TLS handshake (does it require a client certificate?)" : ""
            return RedisError(.connectionLost, "\(target): connection closed\(when)")
        case .failed(let reason):
            guard connecting, let name else { return RedisError(.tlsFailed, "\(target): TLS: \(reason)") }
            if reason.contains("wrong version number") || reason.contains("packet length too long") {
                return RedisError(
                    .tlsFailed,
                    "\(target): TLS handshake failed: \(reason) (the server does not speak TLS on this port: a plain one?)"
                )
            }
            return RedisError(
                .tlsFailed,
                "\(target): TLS handshake failed: \(reason) (verifying the name \(name); check ANIMA_REDIS_TLS_CA_FILE"
                    + " and ANIMA_REDIS_TLS_SERVER_NAME)"
            )
        }
    }
}
