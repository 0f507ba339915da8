import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Ports and listeners on 127.0.0.1 for tests.
public enum FreePort {
    /// Below Linux's ephemeral range (32768–60999): no outgoing connection and no `bind` to
    /// port 0 (another process's "free port") ever lands here.
    static let range = 20000..<32768
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that is free now and that no other caller in this process has got
    /// or will get: a server stopped and started again on it (a restart test) finds it still free.
    public static func find() -> Int {
        for _ in 0..<1000 {
            let port = Int.random(in: range)
            guard handedOut.withLockedValue({ $0.insert(port).inserted }) else { continue }
            if isFree(port) { return port }
        }
        preconditionFailure("no free port in \(range) after 1000 tries")
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
