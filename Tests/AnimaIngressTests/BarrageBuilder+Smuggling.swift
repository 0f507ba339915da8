/// Request smuggling shapes: both framings, obfuscated transfer-encodings, a signed request
/// hidden in the body (it may be stored, being signed; nothing unsigned may). Each shape gets
/// bodies of its own, so that what was stored tells which shape it was.
extension BarrageBuilder {
    /// The signed outer request's header lines and body (plain and chunked), and the whole
    /// hidden request.
    typealias Parts = (h: [[UInt8]], outer: [UInt8], chunkedOuter: [UInt8], hidden: [UInt8])

    /// Each shape's name, and its header lines and payload from the parts.
    static let smuggling: [(String, @Sendable (Parts) -> ([[UInt8]], [UInt8]))] = [
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
}
