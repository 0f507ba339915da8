#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Ports and listeners on 127.0.0.1 for tests.
public enum FreePort {
    /// A TCP port that was free a moment ago: bound to port 0 on 127.0.0.1, read back, released.
    public static func find() -> Int {
        let fd = SilentListener.bindLoopback(port: 0)
        defer { _ = close(fd) }
        return SilentListener.localPort(of: fd)
    }
}
