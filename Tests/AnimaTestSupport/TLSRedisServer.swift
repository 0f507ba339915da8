import Foundation

/// A throwaway ``RedisServer`` that also speaks TLS on a port of its own, with a certificate of
/// ``TLSCertificates``. Its plain port and unix socket stay open for the fixture's own checks;
/// the code under test uses ``url`` (`rediss://127.0.0.1:TLSPORT/0`).
public final class TLSRedisServer: Sendable {
    public let server: RedisServer
    public let tlsPort: Int

    /// - Parameters:
    ///   - requireClientCertificate: `tls-auth-clients yes` (else `no`).
    ///   - configuration, arguments: as ``RedisServer/init(password:user:configuration:arguments:timeout:)``'s.
    public init(
        certificates: TLSCertificates,
        requireClientCertificate: Bool = false,
        configuration: String? = nil,
        arguments: [String] = []
    ) async throws {
        let tlsPort = FreePort.find()
        self.tlsPort = tlsPort
        self.server = try await RedisServer(
            configuration: configuration,
            arguments: [
                "--tls-port", String(tlsPort),
                "--tls-cert-file", certificates.serverCertificateFile, "--tls-key-file", certificates.serverKeyFile,
                "--tls-ca-cert-file", certificates.caFile,
                "--tls-auth-clients", requireClientCertificate ? "yes" : "no",
            ] + arguments
        )
    }

    /// `rediss://127.0.0.1:TLSPORT/0`.
    public var url: String { "rediss://127.0.0.1:\(tlsPort)/0" }
    /// The plain `redis://` URL of the same server, for the test's own look-ups.
    public var plainURL: String { server.url }

    public func stop() async {
        await server.stop()
    }
}
