import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TCP listener on 127.0.0.1 that completes the handshake (the kernel's backlog accepts the
/// connection) and never answers a byte: a Redis that hangs. Closed by ``close()`` or `deinit`.
public final class SilentListener: Sendable {
    public let port: Int
    private let fd: NIOLockedValueBox<Int32>

    public init() {
        let fd = Self.bindLoopback(port: 0)
        precondition(listen(fd, 64) == 0, "listen failed: \(String(cString: strerror(errno)))")
        self.port = Self.localPort(of: fd)
        self.fd = NIOLockedValueBox(fd)
    }

    deinit { close() }

    public func close() {
        fd.withLockedValue { fd in
            if fd >= 0 {
                _ = Glibc.close(fd)
                fd = -1
            }
        }
    }

    /// A close-on-exec TCP socket bound to 127.0.0.1:`port` (0: the kernel picks).
    static func bindLoopback(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket failed: \(String(cString: strerror(errno)))")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(result == 0, "bind failed: \(String(cString: strerror(errno)))")
        return fd
    }

    static func localPort(of fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        precondition(result == 0, "getsockname failed: \(String(cString: strerror(errno)))")
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
