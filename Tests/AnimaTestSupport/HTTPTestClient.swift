import AnimaRedis
import Foundation

/// Speaks HTTP/1.1 to a local server over a raw socket, one connection per request
/// (`connection: close`), so tests control every byte: duplicate or huge headers, chunked or
/// oversized bodies. Every request is bounded by its timeout.
public struct HTTPTestClient: Sendable {
    public let port: Int

    public init(port: Int) {
        self.port = port
    }

    /// Sends one request. `content-length` is added unless `headers` has a `transfer-encoding`
    /// or `content-length` of its own (then `body` is sent exactly as given).
    public func request(
        _ method: String = "POST",
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) async throws -> HTTPAnswer {
        var head = "\(method) \(path) HTTP/1.1\r\nhost: 127.0.0.1:\(port)\r\nconnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["transfer-encoding", "content-length"].contains($0.0.lowercased()) }
        if !framed && (method == "POST" || method == "PUT" || !body.isEmpty) {
            head += "content-length: \(body.count)\r\n"
        }
        head += "\r\n"
        return try await send(raw: Array(head.utf8) + body, timeout: timeout)
    }

    /// A POST whose body is sent with `transfer-encoding: chunked`, in chunks of `chunkSize`.
    public func postChunked(
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8],
        chunkSize: Int = 1024,
        timeout: Duration = .seconds(10)
    ) async throws -> HTTPAnswer {
        try await request(
            "POST",
            path,
            headers: headers + [("transfer-encoding", "chunked")],
            body: Self.chunked(body, size: chunkSize),
            timeout: timeout
        )
    }

    /// `body` in the chunked transfer encoding, in chunks of `size`, with the last chunk.
    public static func chunked(_ body: [UInt8], size: Int) -> [UInt8] {
        var encoded: [UInt8] = []
        var offset = 0
        while offset < body.count {
            let chunk = body[offset..<min(offset + size, body.count)]
            encoded += Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + [13, 10]
            offset += chunk.count
        }
        return encoded + Array("0\r\n\r\n".utf8)
    }

    /// Writes `raw` as it is and reads one response. A server that answers early and closes
    /// (413) may cut the upload short: a failed write still reads whatever answer came.
    public func send(raw: [UInt8], timeout: Duration = .seconds(10)) async throws -> HTTPAnswer {
        let port = self.port
        return try await runBlocking {
            let timeout = TestTime.scaled(timeout)
            let deadline = ContinuousClock.now + timeout
            let socket = try TestSocket(port: port, timeout: timeout)
            var sendError: (any Error)?
            do { try socket.send(raw) } catch { sendError = error }
            var received: [UInt8] = []
            do {
                received = try socket.receive(until: deadline) { HTTPAnswer.parse($0, atEnd: false) != nil }
            } catch {
                throw TestSocket.Failure(
                    message: "no HTTP answer from port \(port): \(error)" + (sendError.map { " (send failed: \($0))" } ?? "")
                )
            }
            guard let answer = HTTPAnswer.parse(received, atEnd: true) else {
                throw TestSocket.Failure(
                    message: "incomplete HTTP answer from port \(port): \(String(decoding: received, as: UTF8.self))"
                        + (sendError.map { " (send failed: \($0))" } ?? "")
                )
            }
            return answer
        }
    }

    /// What one raw exchange brought back: every complete answer, and whether the server
    /// closed the connection (else the deadline or `answers` ended the wait).
    public struct Exchange: Sendable {
        public let answers: [HTTPAnswer]
        public let closed: Bool
        /// Every byte received.
        public let received: [UInt8]
    }

    /// Writes `raw` (the first `trickle.bytes` of it one byte at a time, `trickle.pause` after
    /// each, when given), optionally half-closes, and reads until `answers` complete answers came, the server
    /// closed, or `timeout` passed. Never throws for what the server does: a refused write or
    /// a reset connection is just an exchange with fewer answers.
    public func exchange(
        raw: [UInt8],
        answers expected: Int = 1,
        halfClose: Bool = false,
        trickle: (bytes: Int, pause: Duration)? = nil,
        timeout: Duration = .seconds(2)
    ) async throws -> Exchange {
        let port = self.port
        return try await runBlocking {
            let timeout = TestTime.scaled(timeout)
            let deadline = ContinuousClock.now + timeout
            let socket = try TestSocket(port: port, timeout: timeout)
            do {
                let slow = min(trickle?.bytes ?? 0, raw.count)
                for index in 0..<slow {
                    try socket.send(raw[index...index])
                    Thread.sleep(forTimeInterval: trickle!.pause.seconds)
                }
                try socket.send(raw[slow...])
            } catch {}
            if halfClose { socket.shutdownWrite() }
            var received: [UInt8] = []
            var closed = false
            while HTTPAnswer.all(in: received, atEnd: false).count < expected {
                let left = deadline - .now
                guard left > .zero else { break }
                socket.setTimeouts(left)
                let chunk: [UInt8]
                do {
                    chunk = try socket.receive()
                } catch {
                    closed = ContinuousClock.now < deadline  // a reset, not the receive timeout
                    break
                }
                if chunk.isEmpty {
                    closed = true
                    break
                }
                received += chunk
            }
            return Exchange(answers: HTTPAnswer.all(in: received, atEnd: closed), closed: closed, received: received)
        }
    }
}
