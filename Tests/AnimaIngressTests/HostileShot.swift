import AnimaTestSupport

/// One raw request (or several pipelined) and what it must get.
struct Shot: Sendable {
    let name: String
    let bytes: [UInt8]
    /// Bodies of valid signed requests in `bytes`: each must get 200 and be stored.
    var mustLand: [[UInt8]] = []
    /// Half-close after sending, so a server waiting for more bytes sees the end at once.
    var halfClose = true
    var trickle: (bytes: Int, pause: Duration)? = nil
    var timeout: Duration = .seconds(3)
    /// The body of a signed request hidden inside this one (request smuggling).
    var hidden: [UInt8]? = nil
}

struct Outcome: Sendable {
    let shot: Shot
    let statuses: [Int]
    let closed: Bool
    var summary: String { "\(shot.name): statuses \(statuses)\(closed ? ", closed" : "")" }
}

// Raw HTTP/1 request bytes, as the barrage writes them (nothing normalises them on the way).

/// `name: value` as bytes.
func field(_ name: String, _ value: String) -> [UInt8] { Array("\(name): \(value)".utf8) }

func fields(_ headers: [(String, String)]) -> [[UInt8]] { headers.map { field($0.0, $0.1) } }

/// A request with `headers` (whole lines, without CRLF) after the host line; `content-length`
/// added when `length`, `connection: close` when `close`.
func raw(
    method: String = "POST",
    path: String = "/webhooks/anima",
    version: String = "HTTP/1.1",
    headers: [[UInt8]],
    body: [UInt8],
    length: Bool = true,
    close: Bool = true
) -> [UInt8] {
    var bytes = Array("\(method) \(path) \(version)\r\nhost: 127.0.0.1\r\n".utf8)
    for line in headers { bytes += line + [13, 10] }
    if close { bytes += Array("connection: close\r\n".utf8) }
    if length { bytes += Array("content-length: \(body.count)\r\n".utf8) }
    return bytes + [13, 10] + body
}

func chunked(_ body: [UInt8], size: Int) -> [UInt8] { HTTPTestClient.chunked(body, size: size) }
