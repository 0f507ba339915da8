import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A blocking client socket (TCP on 127.0.0.1 or a unix socket) with a deadline on every call.
///
/// For tests that need exact control over the bytes on the wire: hostile HTTP requests, a raw
/// `PING` to see whether a server answers. Every call blocks the calling thread, so run it
/// through ``runBlocking(_:)`` from async code. Closed on `deinit`.
public final class TestSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ what: String, _ code: Int32 = errno) {
            description = "\(what): \(String(cString: strerror(code)))"
        }
        init(message: String) { description = message }
    }

    private var fd: Int32

    /// Connects to 127.0.0.1:`port`, bounded by `timeout`.
    public init(port: Int, timeout: Duration = .seconds(2)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        try connect(address, timeout: timeout)
    }

    /// Connects to the unix socket at `path`.
    public init(unixPath path: String, timeout: Duration = .seconds(2)) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(message: "unix socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        try connect(address, timeout: timeout)
    }

    deinit { close() }

    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    private func connect<Address>(_ address: Address, timeout: Duration) throws {
        setTimeouts(timeout)
        var address = address
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        if result != 0 {
            let code = errno
            close()
            throw Failure("connect", code)
        }
    }

    /// Bounds each following send and receive call by `timeout`.
    public func setTimeouts(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes`. Throws when the peer closed or a send timed out.
    public func send(_ bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = array[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure("send")
            }
            offset += written
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads what is available (at most `limit` bytes); empty at end of stream.
    public func receive(limit: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, limit, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            if errno == EINTR { continue }
            throw Failure("recv")
        }
    }

    /// Reads until `isComplete` says the bytes so far are enough, the peer closes, or `deadline`.
    public func receive(until deadline: ContinuousClock.Instant, isComplete: ([UInt8]) -> Bool) throws -> [UInt8] {
        var received: [UInt8] = []
        while !isComplete(received) {
            let left = deadline - .now
            guard left > .zero else {
                throw Failure(message: "no complete answer before the deadline; got \(received.count) bytes")
            }
            setTimeouts(left)
            let chunk = try receive()
            if chunk.isEmpty { break }
            received += chunk
        }
        return received
    }

    /// Half-closes the sending side: the peer sees end of stream.
    public func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }
}
