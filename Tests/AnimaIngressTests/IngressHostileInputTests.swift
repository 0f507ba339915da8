import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// Thousands of random and hostile requests at a real `anima-ingress` in front of a real Redis,
/// with valid signed requests mixed in: never a 5xx, never a crash, every valid event stored,
/// memory bounded.
@Suite("Ingress: hostile input")
struct IngressHostileInputTests {
    @Test func barrageOfHostileRequestsNeverGets5xxNorLosesAValidEventNorGrowsMemory() async throws {
        let seed =
            ProcessInfo.processInfo.environment["ANIMA_HOSTILE_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 0...UInt64(UInt32.max))
        // A small body limit keeps the over-the-limit uploads cheap.
        try await IngressFixture.run(environment: ["ANIMA_MAX_BODY_BYTES": "65536", "ANIMA_LOG_LEVEL": "warning"]) { f in
            let rssBefore = try #require(residentKiB(of: f.ingress.process.pid), "no VmRSS for the ingress")
            let barrage = Barrage(ingress: f.ingress, seed: seed)
            let started = ContinuousClock.now
            let results = try await barrage.fire(at: f.http, lanes: 16)
            let took = ContinuousClock.now - started
            let context = "seed \(seed) (ANIMA_HOSTILE_SEED), \(results.count) requests in \(took)"

            let serverErrors = results.filter { $0.statuses.contains { $0 >= 500 } }.map(\.summary)
            #expect(serverErrors.isEmpty, "expected no 5xx, saw \(serverErrors.count): \(serverErrors.prefix(10)); \(context)")
            let refusedValid = results.filter {
                $0.shot.mustLand.count > 0 && $0.statuses != Array(repeating: 200, count: $0.shot.mustLand.count)
            }
            #expect(
                refusedValid.isEmpty,
                "expected 200 for every valid request, saw \(refusedValid.count) others: \(refusedValid.prefix(10).map(\.summary)); \(context)"
            )

            #expect(
                f.ingress.process.isRunning,
                "the ingress died (\(f.ingress.process.exitStatus.map(\.description) ?? "?")); stderr: \(f.ingress.process.standardError.suffix(2000)); \(context)"
            )
            let health = try await f.http.request("GET", "/healthz", timeout: .seconds(5))
            #expect(health.status == 200, "expected /healthz 200 after the barrage, saw \(health.summary); \(context)")

            let queued = try await f.queued()
            let landed = Set(queued)
            let valid = results.flatMap(\.shot.mustLand)
            let missing = valid.filter { !landed.contains($0) }
            #expect(missing.isEmpty, "expected every valid body on anima:events, \(missing.count) of \(valid.count) missing; \(context)")
            let unsigned = queued.filter { !barrage.signedBodies.contains($0) }
            #expect(unsigned.isEmpty, "expected only signed bodies on anima:events, saw \(unsigned.count) others; \(context)")
            #expect(
                queued.count == landed.count,
                "expected each body once on anima:events, saw \(queued.count - landed.count) doubles; \(context)"
            )

            let rssAfter = try #require(residentKiB(of: f.ingress.process.pid), "no VmRSS for the ingress after the barrage")
            #expect(rssAfter < 200 * 1024, "expected VmRSS under 200 MiB, saw \(rssBefore) KiB before, \(rssAfter) KiB after; \(context)")

            let statuses = Dictionary(grouping: results.flatMap(\.statuses), by: { $0 }).mapValues(\.count)
            let unanswered = results.filter(\.statuses.isEmpty).count
            let smuggled = results.filter { $0.shot.hidden.map(landed.contains) == true }.map(\.shot.name)
            print(
                "hostile barrage: \(context); statuses \(statuses.sorted { $0.key < $1.key }), unanswered \(unanswered), valid stored \(valid.count - missing.count)/\(valid.count), VmRSS \(rssBefore) → \(rssAfter) KiB; hidden requests taken as a second request: \(smuggled.sorted())"
            )
        }
    }
}

/// `VmRSS` of process `pid` in KiB, from `/proc/PID/status`.
private func residentKiB(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
    return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
}

/// One raw request (or several pipelined) and what it must get.
private struct Shot: Sendable {
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

private struct Outcome: Sendable {
    let shot: Shot
    let statuses: [Int]
    let closed: Bool
    var summary: String { "\(shot.name): statuses \(statuses)\(closed ? ", closed" : "")" }
}

/// The mix of requests, built up front from a seeded generator.
private struct Barrage {
    let slow: [Shot]
    let shots: [Shot]
    /// Every body that was validly signed somewhere in the mix (smuggled or mutated requests
    /// may carry one); nothing else may be stored.
    let signedBodies: Set<[UInt8]>

    init(ingress: IngressProcess, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var signed: Set<[UInt8]> = []
        let limit = 65536
        func body() -> [UInt8] {
            let b = Array(#"{"id":"evt_\#(UUID().uuidString)","type":"hostile.test"}"#.utf8)
            signed.insert(b)
            return b
        }
        func headers(_ body: [UInt8]) -> [(String, String)] { ingress.signedHeaders(for: body) }
        func valid(_ name: String, _ b: [UInt8], version: String = "HTTP/1.1", extra: [[UInt8]] = []) -> Shot {
            Shot(name: name, bytes: raw(version: version, headers: fields(headers(b)) + extra, body: b), mustLand: [b], halfClose: false)
        }
        var shots: [Shot] = []

        // Valid requests in many shapes: each must be 200 and stored.
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

        // Hostile requests: any answer but a 5xx; closing the connection is fine.
        for i in 0..<5 {
            let b = body()
            let h = fields(headers(b))
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

        // Request smuggling shapes: both framings, obfuscated transfer-encodings, a signed
        // request hidden in the body (it may be stored, being signed; nothing unsigned may).
        // Each shape gets bodies of its own, so that what was stored tells which shape it was.
        typealias Parts = (h: [[UInt8]], outer: [UInt8], chunkedOuter: [UInt8], hidden: [UInt8])
        let smuggling: [(String, (Parts) -> ([[UInt8]], [UInt8]))] = [
            (
                "CL.TE",
                { p in
                    (
                        p.h + [
                            field("content-length", String(p.chunkedOuter.count + p.hidden.count)), field("transfer-encoding", "chunked"),
                        ], p.chunkedOuter + p.hidden
                    )
                }
            ),
            ("TE.CL", { p in (p.h + [field("transfer-encoding", "chunked"), field("content-length", "4")], p.chunkedOuter + p.hidden) }),
            (
                "CL 0 with TE",
                { p in (p.h + [field("content-length", "0"), field("transfer-encoding", "chunked")], p.chunkedOuter + p.hidden) }
            ),
            ("TE chunked, identity", { p in (p.h + [field("transfer-encoding", "chunked, identity")], p.chunkedOuter + p.hidden) }),
            ("TE identity, chunked", { p in (p.h + [field("transfer-encoding", "identity, chunked")], p.chunkedOuter + p.hidden) }),
            (
                "TE twice",
                { p in (p.h + [field("transfer-encoding", "chunked"), field("transfer-encoding", "identity")], p.chunkedOuter + p.hidden) }
            ),
            (
                "TE xchunked",
                { p in (p.h + [field("transfer-encoding", "xchunked"), field("content-length", String(p.outer.count))], p.outer + p.hidden)
                }
            ),
            (
                "TE space before colon",
                { p in
                    (p.h + [Array("transfer-encoding : chunked".utf8), field("content-length", String(p.outer.count))], p.outer + p.hidden)
                }
            ),
            ("TE tab value", { p in (p.h + [Array("transfer-encoding:\tchunked".utf8)], p.chunkedOuter + p.hidden) }),
            ("TE uppercase", { p in (p.h + [field("Transfer-Encoding", "CHUNKED")], p.chunkedOuter + p.hidden) }),
            (
                "two content-lengths",
                { p in
                    (
                        p.h + [
                            field("content-length", String(p.outer.count)), field("content-length", String(p.outer.count + p.hidden.count)),
                        ], p.outer + p.hidden
                    )
                }
            ),
            ("content-length list", { p in (p.h + [field("content-length", "\(p.outer.count), \(p.outer.count)")], p.outer + p.hidden) }),
            ("content-length plus sign", { p in (p.h + [field("content-length", "+\(p.outer.count)")], p.outer + p.hidden) }),
            ("content-length hex", { p in (p.h + [field("content-length", "0x10")], p.outer + p.hidden) }),
            ("content-length huge", { p in (p.h + [field("content-length", String(repeating: "9", count: 30))], p.outer + p.hidden) }),
            ("content-length negative", { p in (p.h + [field("content-length", "-1")], p.outer + p.hidden) }),
            (
                "chunk size overflow",
                { p in (p.h + [field("transfer-encoding", "chunked")], Array("ffffffffffffffffff\r\n".utf8) + p.outer) }
            ),
            (
                "chunk extension",
                { p in
                    (
                        p.h + [field("transfer-encoding", "chunked")],
                        Array("\(String(p.outer.count, radix: 16));ext=\"x\r\n".utf8) + p.outer + Array("\r\n0\r\n\r\n".utf8)
                    )
                }
            ),
            (
                "chunk bad terminator",
                { p in
                    (
                        p.h + [field("transfer-encoding", "chunked")],
                        Array("\(String(p.outer.count, radix: 16))\r\n".utf8) + p.outer + Array("XX0\r\n\r\n".utf8) + p.hidden
                    )
                }
            ),
        ]
        for i in 0..<5 {
            for (name, shape) in smuggling {
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

        // Random bytes, and random mutations of valid signed requests.
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
        random.shuffle(&shots)
        self.shots = shots

        // 20 slow senders: the first bytes of a valid request one every 200 ms for 2 s, then
        // the rest; each must still be stored.
        self.slow = (0..<20).map { i in
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
        self.signedBodies = signed
    }

    /// Sends every shot, `lanes` at a time, while the slow senders trickle beside them.
    func fire(at http: HTTPTestClient, lanes: Int) async throws -> [Outcome] {
        let laneShots = (0..<lanes).map { lane in Array(shots[lane...].enumerated().filter { $0.offset % lanes == 0 }.map(\.element)) }
        return try await withThrowingTaskGroup(of: [Outcome].self) { group in
            for shot in slow {
                group.addTask { [try await Self.send(shot, to: http)] }
            }
            for batch in laneShots {
                group.addTask {
                    var outcomes: [Outcome] = []
                    for shot in batch { outcomes.append(try await Self.send(shot, to: http)) }
                    return outcomes
                }
            }
            var all: [Outcome] = []
            for try await outcomes in group { all += outcomes }
            return all
        }
    }

    static func send(_ shot: Shot, to http: HTTPTestClient) async throws -> Outcome {
        let exchange = try await http.exchange(
            raw: shot.bytes,
            answers: max(1, shot.mustLand.count),
            halfClose: shot.halfClose,
            trickle: shot.trickle,
            timeout: shot.timeout
        )
        return Outcome(shot: shot, statuses: exchange.answers.map(\.status), closed: exchange.closed)
    }
}

/// `name: value` as bytes.
private func field(_ name: String, _ value: String) -> [UInt8] { Array("\(name): \(value)".utf8) }

private func fields(_ headers: [(String, String)]) -> [[UInt8]] { headers.map { field($0.0, $0.1) } }

/// A request with `headers` (whole lines, without CRLF) after the host line; `content-length`
/// added when `length`, `connection: close` when `close`.
private func raw(
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

private func chunked(_ body: [UInt8], size: Int) -> [UInt8] { HTTPTestClient.chunked(body, size: size) }

/// A small seeded generator, so a failing barrage can be replayed (ANIMA_HOSTILE_SEED).
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &self) }
    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
    mutating func shuffle<T>(_ array: inout [T]) { array.shuffle(using: &self) }
}
