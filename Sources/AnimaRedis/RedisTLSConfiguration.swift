/// How to speak TLS to Redis (`rediss://`, `rediss-sentinel://`): what to trust, which name the
/// server's certificate must carry, and the client's own certificate when the server asks for one.
///
/// Verification is always on: the server's certificate must chain to ``caFile`` (a PEM bundle) or,
/// when it is nil, to the system's roots, and name ``serverName`` or, when it is nil, the host
/// connected to (an IP address is matched against the certificate's IP entries).
public struct RedisTLSConfiguration: Sendable, Hashable {
    /// PEM bundle of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// PEM client certificate (chain), for servers with `tls-auth-clients yes`.
    public var certificateFile: String?
    /// PEM private key of ``certificateFile``.
    public var keyFile: String?
    /// The name to verify and to send as SNI, instead of the host connected to.
    public var serverName: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }
}

extension RedisTLSConfiguration {
    /// Reads the CA, certificate and key files now, as the first TLS connection would, so that a
    /// missing or unreadable file is found at start. Throws ``RedisError/Code/tlsSettings``.
    public func load() throws(RedisError) {
        _ = try RedisTLSContext.shared(for: self)
    }
}
