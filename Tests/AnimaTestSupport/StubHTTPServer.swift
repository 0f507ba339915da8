import AnimaRedis
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A scripted HTTP/1.1 server on 127.0.0.1 and a free port: the destination of forwarding
/// handlers in tests.
///
/// It answers each request with the next canned ``Answer`` of its queue (``otherwise`` once the
/// queue is empty) and records every request: method, path, headers, body, when it arrived, when
/// it was answered and on which connection. Connections are kept alive (HTTP/1.1), one thread each, so slow answers
/// never hold up other connections. Stop it with ``stop()`` (or ``run(answers:otherwise:_:)``
/// does); every blocked thread then wakes and ends.
public final class StubHTTPServer: Sendable {
    /// One canned answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// How long to wait before answering.
        public var delay: Duration
        /// Read the request, then never answer (until the client closes or the server stops).
        public var neverAnswers: Bool
        /// Hold the answer until the server has received at least this many requests in all (at
        /// most ``holdLimit``), then wait ``delay`` and answer: a barrier that shows how many
        /// requests a client keeps in flight at once, whatever the machine's load.
        public var holdUntilRequests: Int?
        /// The longest a ``holdUntilRequests`` answer waits before it is sent anyway (scaled by
        /// ``TestTime``), so a client that never sends enough requests cannot hang a test.
        public var holdLimit: Duration
        /// Headers computed when the answer is sent (an HTTP date relative to that moment).
        public var lateHeaders: (@Sendable () -> [(name: String, value: String)])?

        public init(
            status: Int = 200,
            headers: [(name: String, value: String)] = [],
            body: String = "",
            delay: Duration = .zero,
            neverAnswers: Bool = false,
            holdUntilRequests: Int? = nil,
            holdLimit: Duration = .seconds(30),
            lateHeaders: (@Sendable () -> [(name: String, value: String)])? = nil
        ) {
            self.status = status
            self.headers = headers
            self.body = Array(body.utf8)
            self.delay = delay
            self.neverAnswers = neverAnswers
            self.holdUntilRequests = holdUntilRequests
            self.holdLimit = holdLimit
            self.lateHeaders = lateHeaders
        }

        public static let ok = Answer(status: 200, body: "ok")
        public static let never = Answer(neverAnswers: true)
    }

    /// One request as received.
    public struct Request: Sendable, CustomStringConvertible {
        public let method: String
        public let path: String
        /// Header fields in order, names lower-cased, values trimmed.
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
        /// When the whole request had been read.
        public let receivedAt: ContinuousClock.Instant
        /// When the server began to send its answer (after any hold and delay); nil while none was
        /// sent. Taken before the first byte goes out, so a request the client sends only after
        /// reading this answer always arrives later: `receivedAt..<answeredAt` of two requests
        /// overlap only when the client really had both in flight at once.
        public fileprivate(set) var answeredAt: ContinuousClock.Instant?
        /// Which connection it came on (0 for the first accepted).
        public let connection: Int

        /// The first value of header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            return headers.first { $0.name == wanted }?.value
        }

        public var description: String { "\(method) \(path) (connection \(connection), \(body.count) bytes)" }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var answers: [Answer]
        var otherwise: Answer
        var requests: [Request] = []
        var connections: [Int: Int32] = [:]
        var connectionCount = 0
        var stopped = false
    }

    /// What the server threads share; they hold this, not the server, so `deinit` can stop them.
    private final class Shared: Sendable {
        let state: NIOLockedValueBox<State>
        let listener: Int32

        init(answers: [Answer], otherwise: Answer, listener: Int32) {
            self.state = NIOLockedValueBox(State(answers: answers, otherwise: otherwise))
            self.listener = listener
        }
    }

    public let port: Int
    private let shared: Shared

    /// Starts listening. `answers` are given in order, then `otherwise` for every request.
    public init(answers: [Answer] = [], otherwise: Answer = .ok) throws {
        let fd = SilentListener.bindLoopback(port: 0)
        guard listen(fd, 128) == 0 else {
            let message = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            throw Failure(description: "listen failed: \(message)")
        }
        port = SilentListener.localPort(of: fd)
        shared = Shared(answers: answers, otherwise: otherwise, listener: fd)
        let shared = self.shared
        let thread = Thread { Self.acceptLoop(shared) }
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit { stop() }

    /// Runs `body` with a fresh server, stopped afterwards whatever happens.
    public static func run<T>(
        answers: [Answer] = [],
        otherwise: Answer = .ok,
        _ body: (StubHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try StubHTTPServer(answers: answers, otherwise: otherwise)
        return try await withCleanup {
            try await body(server)
        } cleanup: {
            server.stop()
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Adds answers after those still queued.
    public func enqueue(_ answers: Answer...) {
        shared.state.withLockedValue { $0.answers += answers }
    }

    /// From now on, answers `answer` once the queued answers are used up (a destination that
    /// recovers, or goes down).
    public func answerOtherwise(_ answer: Answer) {
        shared.state.withLockedValue { $0.otherwise = answer }
    }

    /// Every request so far, in the order they were read.
    public var requests: [Request] { shared.state.withLockedValue { $0.requests } }

    /// How many connections were accepted so far.
    public var connectionCount: Int { shared.state.withLockedValue { $0.connectionCount } }

    /// Waits (at most `timeout`) until at least `count` requests arrived; returns all so far.
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async -> [Request] {
        _ = await eventually(timeout: timeout, interval: .milliseconds(10)) { requests.count >= count }
        return requests
    }

    /// Stops accepting, closes every connection (unanswered requests get no answer) and lets
    /// every thread end. Idempotent.
    public func stop() {
        shared.state.withLockedValue { state in
            guard !state.stopped else { return }
            state.stopped = true
            _ = shutdown(shared.listener, Int32(SHUT_RDWR))
            for fd in state.connections.values { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    // MARK: Threads

    private static func acceptLoop(_ shared: Shared) {
        defer { _ = Glibc.close(shared.listener) }
        while true {
            let fd = accept(shared.listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let number = shared.state.withLockedValue { state -> Int? in
                guard !state.stopped else { return nil }
                let number = state.connectionCount
                state.connectionCount += 1
                state.connections[number] = fd
                return number
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard let number else {
                _ = Glibc.close(fd)
                return
            }
            let thread = Thread { serve(connection: number, fd: fd, shared) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private static func serve(connection: Int, fd: Int32, _ shared: Shared) {
        defer {
            shared.state.withLockedValue { state in
                state.connections[connection] = nil
                _ = Glibc.close(fd)
            }
        }
        var reader = RequestReader(fd: fd)
        while let read = reader.next() {
            let headers = read.headers
            let (answer, index, stopped) = shared.state.withLockedValue { state -> (Answer, Int, Bool) in
                state.requests.append(
                    Request(
                        method: read.method,
                        path: read.path,
                        headers: headers,
                        body: read.body,
                        receivedAt: .now,
                        connection: connection
                    )
                )
                let answer = state.answers.isEmpty ? state.otherwise : state.answers.removeFirst()
                return (answer, state.requests.count - 1, state.stopped)
            }
            if stopped { return }
            if answer.neverAnswers {
                // Hold the connection until the client gives up or the server stops.
                while reader.waitForMore() {}
                return
            }
            if let wanted = answer.holdUntilRequests {
                let giveUp = ContinuousClock.now + TestTime.scaled(answer.holdLimit)
                while ContinuousClock.now < giveUp {
                    let (received, stopped) = shared.state.withLockedValue { ($0.requests.count, $0.stopped) }
                    if stopped { return }
                    if received >= wanted { break }
                    Thread.sleep(forTimeInterval: 0.005)
                }
            }
            if answer.delay > .zero {
                Thread.sleep(forTimeInterval: answer.delay.seconds)
            }
            shared.state.withLockedValue { $0.requests[index].answeredAt = .now }
            let closes = headers.contains { $0.name == "connection" && $0.value.lowercased() == "close" }
            guard send(answer, closing: closes, to: fd), !closes else { return }
        }
    }

    private static func send(_ answer: Answer, closing: Bool, to fd: Int32) -> Bool {
        var head = "HTTP/1.1 \(answer.status) \(reason(answer.status))\r\n"
        for (name, value) in answer.headers + (answer.lateHeaders?() ?? []) { head += "\(name): \(value)\r\n" }
        head += "content-length: \(answer.body.count)\r\n"
        if closing { head += "connection: close\r\n" }
        let bytes = Array((head + "\r\n").utf8) + answer.body
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        [
            200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
            307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
        ][status] ?? "Status"
    }
}

/// Reads HTTP/1.1 requests (`content-length` or chunked bodies) off a blocking socket.
private struct RequestReader {
    let fd: Int32
    var buffer: [UInt8] = []

    /// Reads more bytes into the buffer; false at end of stream or on an error.
    mutating func waitForMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk.prefix(count)
                return true
            }
            if count < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// The next whole request; nil when the connection ends first.
    mutating func next() -> (method: String, path: String, headers: [(name: String, value: String)], body: [UInt8])? {
        let separator = Array("\r\n\r\n".utf8)
        var headEnd = buffer.firstRange(of: separator)
        while headEnd == nil {
            guard waitForMore() else { return nil }
            headEnd = buffer.firstRange(of: separator)
        }
        let head = String(decoding: buffer[..<headEnd!.lowerBound], as: UTF8.self)
        buffer.removeSubrange(..<headEnd!.upperBound)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count >= 2 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let body: [UInt8]
        if headers.contains(where: { $0.name == "transfer-encoding" && $0.value.lowercased().contains("chunked") }) {
            guard let chunked = readChunked() else { return nil }
            body = chunked
        } else {
            let length = headers.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
            while buffer.count < length {
                guard waitForMore() else { return nil }
            }
            body = Array(buffer.prefix(length))
            buffer.removeFirst(length)
        }
        return (requestLine[0], requestLine[1], headers, body)
    }

    private mutating func line() -> String? {
        let crlf: [UInt8] = [13, 10]
        var end = buffer.firstRange(of: crlf)
        while end == nil {
            guard waitForMore() else { return nil }
            end = buffer.firstRange(of: crlf)
        }
        let text = String(decoding: buffer[..<end!.lowerBound], as: UTF8.self)
        buffer.removeSubrange(..<end!.upperBound)
        return text
    }

    private mutating func readChunked() -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let sizeLine = line(), let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                return nil
            }
            if size == 0 {
                // Trailer fields, up to the empty line.
                while let trailer = line() {
                    if trailer.isEmpty { return body }
                }
                return nil
            }
            while buffer.count < size + 2 {
                guard waitForMore() else { return nil }
            }
            body += buffer.prefix(size)
            buffer.removeFirst(size + 2)
        }
    }
}
