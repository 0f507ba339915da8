internal import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One TLS session over a connected socket that a hiredis context owns: the handshake, then
/// encrypted writes and reads. hiredis keeps the socket (and closes it) and parses the replies;
/// this type only moves bytes, so the RESP path is the plain one.
///
/// Owned by one ``RedisConnection`` and used only on its thread, like the hiredis context.
/// Reads and writes block, bounded by the socket's timeouts (`SO_RCVTIMEO`/`SO_SNDTIMEO`, which
/// `redisSetTimeout` sets).
final class RedisTLSSession {
    /// Why a read or write failed; ``RedisConnection`` turns it into a ``RedisError``.
    enum Failure: Error {
        /// The socket's timeout passed.
        case timedOut
        /// The server closed the connection (or the Sentinel watcher shut the socket down).
        case closed
        /// OpenSSL's or the system's reason.
        case failed(String)
    }

    private let ssl: OpaquePointer
    /// Where decrypted bytes land before they are fed to hiredis's reader (16 KiB: one record).
    private let readBuffer: UnsafeMutableRawBufferPointer

    /// Handshakes over `fd`, verifying the certificate against `name` (an IP address or a DNS
    /// name; a DNS name is also sent as SNI). Throws the reason the handshake failed.
    init(context: RedisTLSContext, fd: Int32, name: String) throws(Failure) {
        guard let ssl = SSL_new(context.handle) else { throw .failed(RedisTLSContext.openSSLReason()) }
        self.ssl = ssl
        self.readBuffer = .allocate(byteCount: 16 * 1024, alignment: 16)
        ERR_clear_error()
        guard SSL_set_fd(ssl, fd) == 1, Self.expect(name, on: ssl) else {
            throw .failed("could not set up TLS for \(name): \(RedisTLSContext.openSSLReason())")
        }
        let status = SSL_connect(ssl)
        if status != 1 {
            throw handshakeFailure(status)
        }
    }

    deinit {
        SSL_free(ssl)
        readBuffer.deallocate()
    }

    /// Host-name (or IP) check and SNI. No SNI for an IP address (RFC 6066).
    private static func expect(_ name: String, on ssl: OpaquePointer) -> Bool {
        var address = in6_addr()
        let isIP = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
        if isIP {
            return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1
        }
        return SSL_set1_host(ssl, name) == 1 && anima_ssl_set_sni(ssl, name) == 1
    }

    /// "certificate verify failed: unable to get local issuer certificate", or OpenSSL's reason.
    private func handshakeFailure(_ status: Int32) -> Failure {
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK {
            ERR_clear_error()
            return .failed("certificate verify failed: " + String(cString: X509_verify_cert_error_string(verdict)))
        }
        return failure(status)
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let written = SSL_write(ssl, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, Int(Int32.max))))
            guard written > 0 else { throw failure(written) }
            offset += Int(written)
        }
    }

    /// Reads what is there (at least one byte, waiting up to the socket's timeout) and hands it
    /// to `consume`.
    func read(_ consume: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        ERR_clear_error()
        let count = SSL_read(ssl, readBuffer.baseAddress, Int32(readBuffer.count))
        guard count > 0 else { throw failure(count) }
        consume(UnsafeRawBufferPointer(rebasing: readBuffer[..<Int(count)]))
    }

    /// Decrypted bytes already buffered in OpenSSL: a `poll` on the socket would not see them.
    var hasBufferedBytes: Bool { SSL_pending(ssl) > 0 }

    private func failure(_ status: Int32) -> Failure {
        let savedErrno = errno
        switch SSL_get_error(ssl, status) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .timedOut
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK { return .timedOut }
            if savedErrno == 0 { return .closed }
            return .failed(String(cString: strerror(savedErrno)))
        default:
            let reason = RedisTLSContext.openSSLReason()
            // The server went away without TLS's close_notify (a restart, a kill): a closed connection.
            return reason == "unexpected eof while reading" ? .closed : .failed(reason)
        }
    }
}
