public import Foundation

/// A test certificate authority and the certificates it signs, made with the `openssl` command in
/// a temp dir of their own (removed on `deinit`): a server certificate for `127.0.0.1` and
/// `localhost`, a client certificate, and a second, unrelated CA to trust by mistake.
public final class TLSCertificates: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: URL

    public init() throws {
        directory = URL(fileURLWithPath: "/tmp", isDirectory: true)
            .appendingPathComponent("anima-tls-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeAuthority("ca", subject: "/CN=Anima Test CA")
        try makeAuthority("other-ca", subject: "/CN=Some Other CA")
        try sign(
            "server",
            subject: "/CN=127.0.0.1",
            extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth"
        )
        try sign("client", subject: "/CN=anima-client", extensions: "extendedKeyUsage=clientAuth")
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    public var caFile: String { path("ca.crt") }
    /// A CA that signed nothing here: trusting it alone fails verification.
    public var otherCAFile: String { path("other-ca.crt") }
    public var serverCertificateFile: String { path("server.crt") }
    public var serverKeyFile: String { path("server.key") }
    public var clientCertificateFile: String { path("client.crt") }
    public var clientKeyFile: String { path("client.key") }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The `ANIMA_REDIS_TLS_*` variables that trust ``caFile`` (and present the client
    /// certificate when `client` is true).
    public func environment(client: Bool = false) -> [String: String] {
        var environment = ["ANIMA_REDIS_TLS_CA_FILE": caFile]
        if client {
            environment["ANIMA_REDIS_TLS_CERT_FILE"] = clientCertificateFile
            environment["ANIMA_REDIS_TLS_KEY_FILE"] = clientKeyFile
        }
        return environment
    }

    private func makeAuthority(_ name: String, subject: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
            "-keyout", path("\(name).key"), "-out", path("\(name).crt"),
        ])
    }

    private func sign(_ name: String, subject: String, extensions: String) throws {
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: path("\(name).ext")))
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", path("\(name).key"), "-out", path("\(name).csr")])
        try openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", caFile, "-CAkey", path("ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", path("\(name).ext"), "-out", path("\(name).crt"),
        ])
        // redis-server reads its key as the user it runs as: the same as the tests.
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))"
            )
        }
    }
}
