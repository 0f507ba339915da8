/// A tiny seeded generator (xorshift64): the same seed gives the same documents on every run,
/// unlike `SystemRandomNumberGenerator`.
public struct Xorshift64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

/// Random valid JSON documents (mostly event-like objects) and random mutations of them.
/// Numbers stay within `Double`'s range and nesting stays shallow, so every document is valid
/// for `JSONSerialization` too.
public struct JSONGenerator {
    var random: Xorshift64

    public init(seed: UInt64) { random = Xorshift64(seed: seed) }

    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    private mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    private mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...choices.count - 1)] }

    /// A document: usually an object with some of `id` and `type`, sometimes any value.
    public mutating func document() -> [UInt8] {
        let text = chance(85) ? eventObject() : value(depth: 0)
        return whitespace() + text + whitespace()
    }

    private mutating func eventObject() -> [UInt8] {
        var members: [[UInt8]] = []
        if chance(85) { members.append(member(key: pick(idKeys), value: identityValue())) }
        if chance(85) { members.append(member(key: pick(typeKeys), value: identityValue())) }
        for _ in 0..<int(0...4) { members.append(member(key: string(), value: value(depth: 1))) }
        // A repeated key: the last one wins.
        if chance(15) { members.append(member(key: pick(idKeys + typeKeys), value: identityValue())) }
        members.shuffle(using: &random)
        return object(members)
    }

    private let idKeys: [[UInt8]] = [#""id""#, #""\u0069d""#, #""i\u0064""#, #""\u0069\u0064""#].map { Array($0.utf8) }
    private let typeKeys: [[UInt8]] = [#""type""#, #""typ\u0065""#, #""\u0074ype""#].map { Array($0.utf8) }

    /// Mostly a non-empty string; sometimes empty, or not a string at all.
    private mutating func identityValue() -> [UInt8] {
        switch int(0...9) {
        case 0: Array(#""""#.utf8)
        case 1: value(depth: 1)
        default: string(minimumLength: 1)
        }
    }

    private mutating func member(key: [UInt8], value: [UInt8]) -> [UInt8] {
        key + whitespace() + [UInt8(ascii: ":")] + whitespace() + value
    }

    private mutating func object(_ members: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")] + whitespace()
        for (index, member) in members.enumerated() {
            if index > 0 { bytes += whitespace() + [UInt8(ascii: ",")] + whitespace() }
            bytes += member
        }
        return bytes + whitespace() + [UInt8(ascii: "}")]
    }

    public mutating func value(depth: Int) -> [UInt8] {
        let containers = depth < 4
        switch int(0...(containers ? 7 : 5)) {
        case 0: return Array("true".utf8)
        case 1: return Array("false".utf8)
        case 2: return Array("null".utf8)
        case 3, 4: return number()
        case 5: return string()
        case 6:
            var members: [[UInt8]] = []
            for _ in 0..<int(0...3) { members.append(member(key: string(), value: value(depth: depth + 1))) }
            return object(members)
        default:
            var bytes: [UInt8] = [UInt8(ascii: "[")] + whitespace()
            for index in 0..<int(0...3) {
                if index > 0 { bytes += whitespace() + [UInt8(ascii: ",")] + whitespace() }
                bytes += value(depth: depth + 1)
            }
            return bytes + whitespace() + [UInt8(ascii: "]")]
        }
    }

    /// An event whose `data.key` is what an order key path reads: usually a plain string or an
    /// integer, sometimes any value, escaped, repeated, absent, or under a `data` that is not an
    /// object or is repeated; `id` and `type` as in ``document()``.
    public mutating func orderedEvent() -> [UInt8] {
        var members: [[UInt8]] = []
        if chance(95) {
            members.append(member(key: pick(idKeys), value: chance(60) ? Array("\"evt_\(int(0...99_999))\"".utf8) : identityValue()))
        }
        if chance(95) { members.append(member(key: pick(typeKeys), value: identityValue())) }
        for _ in 0..<(chance(10) ? 2 : 1) {
            members.append(member(key: pick(dataKeys), value: chance(90) ? dataObject() : value(depth: 1)))
        }
        for _ in 0..<int(0...2) { members.append(member(key: string(), value: value(depth: 1))) }
        members.shuffle(using: &random)
        return whitespace() + object(members) + whitespace()
    }

    private let dataKeys: [[UInt8]] = [#""data""#, #""data""#, #""data""#, #""d\u0061ta""#].map { Array($0.utf8) }
    private let keyKeys: [[UInt8]] = [#""key""#, #""key""#, #""key""#, #""k\u0065y""#].map { Array($0.utf8) }

    private mutating func dataObject() -> [UInt8] {
        var members: [[UInt8]] = []
        for _ in 0..<(chance(90) ? 1 : chance(50) ? 0 : 2) {
            let key: [UInt8] =
                switch int(0...5) {
                case 0, 1: string(minimumLength: 1)
                case 2: Array(String(int(-999_999...999_999_999)).utf8)
                case 3: number()
                default: chance(50) ? Array("\"k\(int(0...99))\"".utf8) : value(depth: 2)
                }
            members.append(member(key: pick(keyKeys), value: key))
        }
        for _ in 0..<int(0...2) { members.append(member(key: string(), value: value(depth: 2))) }
        members.shuffle(using: &random)
        return object(members)
    }

    private mutating func number() -> [UInt8] {
        var text = chance(30) ? "-" : ""
        if chance(25) {
            text += "0"
        } else {
            text += String(int(1...9))
            for _ in 0..<int(0...14) { text += String(int(0...9)) }
        }
        if chance(35) {
            text += "."
            for _ in 0..<int(1...6) { text += String(int(0...9)) }
        }
        if chance(25) {
            text += pick(["e", "E", "e+", "e-", "E+", "E-"])
            for _ in 0..<int(1...2) { text += String(int(0...9)) }
        }
        return Array(text.utf8)
    }

    /// Pieces a string is made of: plain text, every escape, multi-byte UTF-8.
    private let stringPieces: [String] = [
        "a", "Z", "7", " ", "_", ".", "id", "type", "evt_1", #"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#,
        #"\t"#, #"\u0041"#, #"\u00e9"#, #"\u20AC"#, #"\u0000"#, #"\uD83D\uDE00"#, #"\udbff\udfff"#, "é", "€", "😀",
        "\u{10FFFF}", "\u{7F}", "\u{FEFF}",
    ]

    private mutating func string(minimumLength: Int = 0) -> [UInt8] {
        var text = "\""
        for _ in 0..<int(minimumLength...6) { text += pick(stringPieces) }
        return Array((text + "\"").utf8)
    }

    private mutating func whitespace() -> [UInt8] {
        guard chance(20) else { return [] }
        return (0..<int(1...3)).map { _ in pick([0x20, 0x09, 0x0A, 0x0D]) }
    }

    /// Bytes a mutation puts in: structure, number and escape characters, and bytes that are
    /// never valid (NUL, a lone continuation, overlong and surrogate leads, above U+10FFFF).
    private let interestingBytes: [UInt8] =
        Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn/"#.utf8) + [
            0x00, 0x01, 0x09, 0x0A, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
        ]

    /// `bytes` changed once: a byte replaced, a bit flipped, cut short, a byte inserted or removed.
    public mutating func mutation(of bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return [pick(interestingBytes)] }
        let position = int(0...bytes.count - 1)
        switch int(0...4) {
        case 0: bytes[position] = pick(interestingBytes)
        case 1: bytes[position] ^= 1 << UInt8(int(0...7))
        case 2: bytes.removeSubrange(position...)
        case 3: bytes.insert(pick(interestingBytes), at: int(0...bytes.count))
        default: bytes.remove(at: position)
        }
        return bytes
    }
}
