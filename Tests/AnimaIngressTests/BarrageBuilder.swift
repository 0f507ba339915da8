import AnimaTestSupport
import Foundation

/// Builds a ``Barrage`` section by section, every random choice drawn from one seeded generator
/// (the ids in bodies are UUIDs: a seed replays the shapes and the mutations).
struct BarrageBuilder {
    let ingress: IngressProcess
    var random: SplitMix64
    /// Every body signed so far.
    var signed: Set<[UInt8]> = []
    var shots: [Shot] = []
    /// The ingress's body limit in the test (`ANIMA_MAX_BODY_BYTES`).
    let limit = 65536

    /// A fresh signed event body.
    mutating func body() -> [UInt8] {
        let b = Array(#"{"id":"evt_\#(UUID().uuidString)","type":"hostile.test"}"#.utf8)
        signed.insert(b)
        return b
    }

    func headers(_ body: [UInt8]) -> [(String, String)] { ingress.signedHeaders(for: body) }

    func valid(_ name: String, _ b: [UInt8], version: String = "HTTP/1.1", extra: [[UInt8]] = []) -> Shot {
        Shot(name: name, bytes: raw(version: version, headers: fields(headers(b)) + extra, body: b), mustLand: [b], halfClose: false)
    }

    /// Valid requests in many shapes: each must be 200 and stored.
    mutating func addValidShapes() {
        for i in 0..<300 {
            let b: [UInt8] = i % 3 == 0 ? random.bytes(count: random.int(16...4096)) : body()
            signed.insert(b)
            shots.append(valid("valid #\(i) (\(b.count) bytes)", b))
        }
        for i in 0..<10 {
            shots.append(valid("HTTP/1.0 #\(i)", body(), version: "HTTP/1.0"))
            shots.append(
                valid(
                    "header field just under 16 KiB #\(i)",
                    body(),
                    extra: [field("x-filler", String(repeating: "a", count: 16 * 1024 - 512))]
                )
            )
            shots.append(
                valid(
                    "header list just under 64 KiB #\(i)",
                    body(),
                    extra: (0..<3).map { field("x-filler-\($0)", String(repeating: "b", count: 15 * 1024)) }
                )
            )
            shots.append(valid("90 headers #\(i)", body(), extra: (0..<90).map { field("x-h\($0)", "v") }))
            var invalidUTF8 = body()
            invalidUTF8 += [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]
            signed.insert(invalidUTF8)
            shots.append(valid("invalid UTF-8 body #\(i)", invalidUTF8))
            let chunkedBody = body()
            shots.append(
                Shot(
                    name: "chunked within the limit #\(i)",
                    bytes: raw(
                        headers: fields(headers(chunkedBody)) + [field("transfer-encoding", "chunked")],
                        body: chunked(chunkedBody, size: 7),
                        length: false
                    ),
                    mustLand: [chunkedBody],
                    halfClose: false
                )
            )
            let pipelined = (0..<3).map { _ in body() }
            shots.append(
                Shot(
                    name: "3 pipelined #\(i)",
                    bytes: pipelined.enumerated().flatMap { index, b in
                        raw(headers: fields(headers(b)), body: b, close: index == pipelined.count - 1)
                    },
                    mustLand: pipelined,
                    halfClose: false
                )
            )
        }
    }

    /// Hostile requests: any answer but a 5xx; closing the connection is fine.
    mutating func addHostileHeadersAndFraming() {
        for i in 0..<5 {
            let b = body()
            let h = fields(headers(b))
            addOversizedAndRepeatedHeaders(i, b, h)
            addBadFraming(i)
            addMalformedHeaders(i, b, h)
        }
    }

    /// Header sections over the limits, and the signature's or timestamp's header twice.
    private mutating func addOversizedAndRepeatedHeaders(_ i: Int, _ b: [UInt8], _ h: [[UInt8]]) {
        shots.append(
            Shot(
                name: "header field over 16 KiB #\(i)",
                bytes: raw(headers: h + [field("x-filler", String(repeating: "a", count: 17 * 1024))], body: b)
            )
        )
        shots.append(
            Shot(
                name: "header list over 64 KiB #\(i)",
                bytes: raw(headers: h + (0..<5).map { field("x-filler-\($0)", String(repeating: "b", count: 15 * 1024)) }, body: b)
            )
        )
        shots.append(Shot(name: "150 headers #\(i)", bytes: raw(headers: h + (0..<150).map { field("x-h\($0)", "v") }, body: b)))
        shots.append(Shot(name: "2000 headers #\(i)", bytes: raw(headers: h + (0..<2000).map { field("x-h\($0)", "v") }, body: b)))
        shots.append(Shot(name: "duplicate signature #\(i)", bytes: raw(headers: h + [h[1]], body: b)))
        shots.append(
            Shot(
                name: "second, wrong signature #\(i)",
                bytes: raw(headers: h + [field("x-anima-signature", String(repeating: "0", count: 64))], body: b)
            )
        )
        shots.append(Shot(name: "duplicate timestamp #\(i)", bytes: raw(headers: h + [h[0]], body: b)))
        shots.append(Shot(name: "second, old timestamp #\(i)", bytes: raw(headers: h + [field("x-anima-timestamp", "1")], body: b)))
    }

    /// Bodies over the limit, and lengths that do not match the bytes sent.
    private mutating func addBadFraming(_ i: Int) {
        let big = random.bytes(count: limit + 4096)
        shots.append(
            Shot(
                name: "chunked over the limit #\(i)",
                bytes: raw(
                    headers: fields(headers(big)) + [field("transfer-encoding", "chunked")],
                    body: chunked(big, size: 4096),
                    length: false
                )
            )
        )
        shots.append(Shot(name: "content-length over the limit #\(i)", bytes: raw(headers: fields(headers(big)), body: big)))
        let long = random.bytes(count: 200)
        shots.append(
            Shot(
                name: "content-length shorter than the body #\(i)",
                bytes: raw(headers: fields(headers(long)) + [field("content-length", "10")], body: long, length: false)
            )
        )
        shots.append(
            Shot(
                name: "content-length 1000, 200 sent, held open #\(i)",
                bytes: raw(headers: fields(headers(long)) + [field("content-length", "1000")], body: long, length: false),
                halfClose: false,
                timeout: .seconds(1)
            )
        )
        shots.append(
            Shot(
                name: "content-length 1000, 200 sent, half-closed #\(i)",
                bytes: raw(headers: fields(headers(long)) + [field("content-length", "1000")], body: long, length: false)
            )
        )
    }

    /// Bytes no header may hold, folded lines, bare LF line ends.
    private mutating func addMalformedHeaders(_ i: Int, _ b: [UInt8], _ h: [[UInt8]]) {
        shots.append(
            Shot(
                name: "invalid UTF-8 in headers #\(i)",
                bytes: raw(headers: h + [Array("x-bad: ".utf8) + [0xff, 0xc0, 0x80, 0xfe]], body: b)
            )
        )
        shots.append(
            Shot(
                name: "invalid UTF-8 signature #\(i)",
                bytes: raw(headers: [h[0], Array("x-anima-signature: ".utf8) + [UInt8](repeating: 0xff, count: 64)], body: b)
            )
        )
        shots.append(
            Shot(
                name: "invalid UTF-8 timestamp #\(i)",
                bytes: raw(headers: [Array("x-anima-timestamp: 17".utf8) + [0xff, 0xfe], h[1]], body: b)
            )
        )
        shots.append(
            Shot(name: "NUL in a header #\(i)", bytes: raw(headers: h + [Array("x-nul: a".utf8) + [0] + Array("b".utf8)], body: b))
        )
        shots.append(
            Shot(name: "obs-fold #\(i)", bytes: raw(headers: h + [Array("x-fold: a".utf8), Array(" continued".utf8)], body: b))
        )
        shots.append(
            Shot(name: "bare LF line ends #\(i)", bytes: Array("POST /webhooks/anima HTTP/1.1\nhost: x\ncontent-length: 2\n\nhi".utf8))
        )
    }

    /// Unknown and odd methods, paths and versions.
    mutating func addMethodsPathsAndVersions() {
        let methods = [
            "BREW", "post", "GET", "DELETE", "CONNECT", "TRACE", "PRI", String(repeating: "POST", count: 500), "P\u{1}ST", "", "POST POST",
            "\u{7f}",
        ]
        let paths = [
            "*", "/../../etc/passwd", "/webhooks/anima/../anima", "//webhooks//anima",
            "/webhooks/anima?x=" + String(repeating: "q", count: 8000),
            "/webhooks/anima#frag", "http://evil.example/webhooks/anima", "/%00", "/webhooks/%61nima", "/webhooks anima", "",
            "webhooks/anima",
            "/" + String(repeating: "a/", count: 3000), "/webhooks/anima%", "/\u{e9}",
        ]
        for method in methods {
            for path in paths.prefix(6) {
                shots.append(
                    Shot(
                        name: "method \(method.prefix(20).debugDescription) path \(path.prefix(30).debugDescription)",
                        bytes: raw(method: method, path: path, headers: [], body: [])
                    )
                )
            }
        }
        for path in paths {
            let b = body()
            shots.append(
                Shot(
                    name: "signed POST to path \(path.prefix(40).debugDescription)",
                    bytes: raw(path: path, headers: fields(headers(b)), body: b)
                )
            )
        }
        for version in ["HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/9.9", "HTTP/1", "FOO/1.1", ""] {
            let b = body()
            shots.append(
                Shot(name: "version \(version.debugDescription)", bytes: raw(version: version, headers: fields(headers(b)), body: b))
            )
        }
    }

    /// Each smuggling shape five times (``smuggling``).
    mutating func addSmuggling() {
        for i in 0..<5 {
            for (name, shape) in Self.smuggling {
                let inner = body()
                let outer = body()
                let parts = (
                    h: fields(headers(outer)), outer: outer, chunkedOuter: chunked(outer, size: 16),
                    hidden: raw(headers: fields(headers(inner)), body: inner, close: false)
                )
                let (fieldLines, payload) = shape(parts)
                var shot = Shot(
                    name: "smuggling \(name) #\(i)",
                    bytes: raw(headers: fieldLines, body: payload, length: false, close: false)
                )
                shot.hidden = inner
                shots.append(shot)
            }
        }
    }

    /// Random bytes, and random mutations of valid signed requests.
    mutating func addRandomAndMutated() {
        for i in 0..<800 {
            shots.append(Shot(name: "random bytes #\(i)", bytes: random.bytes(count: random.int(1...2048))))
        }
        for i in 0..<1500 {
            let b = body()
            var bytes = raw(headers: fields(headers(b)), body: b)
            for _ in 0...random.int(0...4) {
                switch random.int(0...4) {
                case 0: bytes[random.int(0...bytes.count - 1)] = random.byte()
                case 1: bytes.insert(random.byte(), at: random.int(0...bytes.count))
                case 2: if bytes.count > 1 { bytes.remove(at: random.int(0...bytes.count - 1)) }
                case 3: bytes.removeLast(random.int(0...bytes.count - 1))
                default:
                    bytes.insert(
                        contentsOf: Array(["\r\n", ":", " ", "\r\n\r\n", "\0", "chunked"][random.int(0...5)].utf8),
                        at: random.int(0...bytes.count)
                    )
                }
            }
            shots.append(Shot(name: "mutated signed request #\(i)", bytes: bytes))
        }
    }

    /// 20 slow senders: the first bytes of a valid request one every 200 ms for 2 s, then the
    /// rest; each must still be stored.
    mutating func slowSenders() -> [Shot] {
        (0..<20).map { i in
            let b = body()
            return Shot(
                name: "slow sender #\(i)",
                bytes: raw(headers: fields(headers(b)), body: b),
                mustLand: [b],
                halfClose: false,
                trickle: (bytes: 10, pause: .milliseconds(200)),
                timeout: .seconds(10)
            )
        }
    }
}
