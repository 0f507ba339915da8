/// One HTTP/1.1 response as a test sees it.
public struct HTTPAnswer: Sendable, CustomStringConvertible {
    public let status: Int
    /// Header fields in order, names lower-cased.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    public var description: String { "\(status) \(text)" }

    /// Parses `bytes` when they hold a complete response; nil while more must be read.
    /// With `atEnd` (the peer closed) a body without a length ends at the last byte.
    static func parse(_ bytes: [UInt8], atEnd: Bool) -> HTTPAnswer? {
        parsePrefix(bytes, atEnd: atEnd)?.answer
    }

    /// Every complete response at the start of `bytes`, in order: the answers to requests
    /// pipelined on one connection. With `atEnd` a last body without a length ends at the end.
    public static func all(in bytes: [UInt8], atEnd: Bool) -> [HTTPAnswer] {
        var answers: [HTTPAnswer] = []
        var rest = bytes
        while let (answer, used) = parsePrefix(rest, atEnd: atEnd) {
            answers.append(answer)
            rest.removeFirst(used)
            if rest.isEmpty { break }
        }
        return answers
    }

    /// The complete response at the start of `bytes` and how many bytes it took; nil while
    /// more must be read.
    private static func parsePrefix(_ bytes: [UInt8], atEnd: Bool) -> (answer: HTTPAnswer, used: Int)? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = bytes.firstRange(of: separator) else { return nil }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].trimmingPrefix(" ")
            return (line[..<colon].lowercased(), String(value))
        }
        let start = headEnd.upperBound
        let rest = Array(bytes[start...])
        let answer = { (body: [UInt8]) in HTTPAnswer(status: status, headers: headers, body: body) }
        if let length = headers.first(where: { $0.name == "content-length" }).flatMap({ Int($0.value) }) {
            return rest.count >= length ? (answer(Array(rest.prefix(length))), start + length) : nil
        }
        if headers.contains(where: { $0.name == "transfer-encoding" && $0.value.lowercased().contains("chunked") }) {
            return dechunked(rest).map { (answer($0.body), start + $0.used) }
        }
        return atEnd ? (answer(rest), bytes.count) : nil
    }

    /// The body of a complete chunked encoding and the bytes it took; nil while incomplete.
    private static func dechunked(_ bytes: [UInt8]) -> (body: [UInt8], used: Int)? {
        var body: [UInt8] = []
        var index = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: crlf) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { return nil }
            let start = lineEnd.upperBound
            if size == 0 { return bytes.count >= start + 2 ? (body, start + 2) : nil }
            guard bytes.count >= start + size + 2 else { return nil }
            body += bytes[start..<start + size]
            index = start + size + 2
        }
    }
}
