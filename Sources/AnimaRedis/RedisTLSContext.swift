internal import COpenSSL
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The OpenSSL client context for one ``RedisTLSConfiguration``: the trusted roots, the client
/// certificate and key, verification on. Made once per process and configuration (the files are
/// read then; a new CA takes a restart) and shared by every TLS connection made with it.
///
/// `@unchecked Sendable` is safe because the `SSL_CTX` is only configured in `init`; afterwards
/// OpenSSL only reads it (and counts references under its own lock) when sessions are made.
final class RedisTLSContext: @unchecked Sendable {
    let handle: OpaquePointer
    let configuration: RedisTLSConfiguration

    private static let contexts = NIOLockedValueBox<[RedisTLSConfiguration: RedisTLSContext]>([:])

    /// The one context of this process for `configuration`; made (and its files read) on first use.
    static func shared(for configuration: RedisTLSConfiguration) throws(RedisError) -> RedisTLSContext {
        if let existing = contexts.withLockedValue({ $0[configuration] }) { return existing }
        let made = try RedisTLSContext(configuration)
        return contexts.withLockedValue { all in
            if let raced = all[configuration] { return raced }
            all[configuration] = made
            return made
        }
    }

    private init(_ configuration: RedisTLSConfiguration) throws(RedisError) {
        guard let handle = SSL_CTX_new(TLS_client_method()) else {
            throw RedisError(.tlsSettings, "could not make a TLS context: \(Self.openSSLReason())")
        }
        self.handle = handle
        self.configuration = configuration
        _ = anima_ssl_ctx_set_min_tls12(handle)
        _ = anima_ssl_ctx_set_auto_retry(handle)
        SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nil)
        try loadTrust()
        try loadClientCertificate()
    }

    deinit {
        SSL_CTX_free(handle)
    }

    private func loadTrust() throws(RedisError) {
        guard let caFile = configuration.caFile else {
            guard SSL_CTX_set_default_verify_paths(handle) == 1 else {
                throw RedisError(.tlsSettings, "could not load the system's trusted roots: \(Self.openSSLReason())")
            }
            return
        }
        try Self.checkReadable(caFile, what: "CA file")
        guard SSL_CTX_load_verify_locations(handle, caFile, nil) == 1 else {
            throw RedisError(.tlsSettings, "CA file \(caFile): no PEM certificate could be read (\(Self.openSSLReason()))")
        }
    }

    private func loadClientCertificate() throws(RedisError) {
        switch (configuration.certificateFile, configuration.keyFile) {
        case (nil, nil):
            return
        case (let certificate?, let key?):
            try Self.checkReadable(certificate, what: "client certificate file")
            try Self.checkReadable(key, what: "client key file")
            guard SSL_CTX_use_certificate_chain_file(handle, certificate) == 1 else {
                throw RedisError(.tlsSettings, "client certificate file \(certificate): \(Self.openSSLReason())")
            }
            guard SSL_CTX_use_PrivateKey_file(handle, key, SSL_FILETYPE_PEM) == 1 else {
                throw RedisError(.tlsSettings, "client key file \(key): \(Self.openSSLReason())")
            }
            guard SSL_CTX_check_private_key(handle) == 1 else {
                throw RedisError(.tlsSettings, "client key file \(key) does not belong to certificate \(certificate)")
            }
        case (_?, nil), (nil, _?):
            throw RedisError(.tlsSettings, "a client certificate needs both a certificate file and a key file")
        }
    }

    private static func checkReadable(_ path: String, what: String) throws(RedisError) {
        let file = fopen(path, "r")
        guard let file else {
            throw RedisError(.tlsSettings, "\(what) \(path) cannot be read (\(String(cString: strerror(errno))))")
        }
        fclose(file)
    }

    /// The reason of OpenSSL's oldest queued error ("no start line", "key values mismatch"),
    /// clearing the queue.
    static func openSSLReason() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no reason given" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        return "OpenSSL error \(code)"
    }
}
