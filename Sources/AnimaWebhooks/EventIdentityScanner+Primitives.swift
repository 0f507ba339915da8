/// The scanner's primitives: literals, numbers and strings, validated byte by byte.
extension EventIdentityScanner {
    mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .invalid }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw .invalid
        }
        index += count
    }

    mutating func number() throws(Failure) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), Self.isDigit(first) else { throw .invalid }
        index += 1
        if first != UInt8(ascii: "0") {
            while let byte = peek(), Self.isDigit(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    mutating func digits() throws(Failure) {
        guard let byte = peek(), Self.isDigit(byte) else { throw .invalid }
        while let byte = peek(), Self.isDigit(byte) { index += 1 }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Reads an object member's name: where its bytes sit when it has no escapes (the common
    /// case, no string built), else its decoded bytes.
    mutating func memberName() throws(Failure) -> MemberName {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20,
            bytes[end] < 0x80
        {
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return .plain(start..<end)
        }
        // Escapes or non-ASCII: decode the name the slow way.
        return .decoded(Array((try string(capture: true) ?? "").utf8))
    }

    /// Whether a member's name is `word`.
    func name(_ name: MemberName, is word: [UInt8]) -> Bool {
        switch name {
        case .plain(let range): range.count == word.count && bytes[range].elementsEqual(word)
        case .decoded(let decoded): decoded == word
        }
    }

    /// Reads a string; returns its decoded text when `capture` is set.
    mutating func string(capture: Bool) throws(Failure) -> String? {
        try expect(UInt8(ascii: "\""))
        let start = index
        var plain = true  // no escapes: the text is the bytes as they are
        lastStringEscaped = false
        var decoded: [UInt8] = []
        while true {
            if plain || !capture { skipPlainASCII() }
            let byte = try next()
            switch byte {
            case UInt8(ascii: "\""):
                guard capture else { return nil }
                if plain {
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
                }
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                lastStringEscaped = true
                if plain && capture {
                    decoded.append(contentsOf: bytes[start..<(index - 1)])
                    plain = false
                }
                try escape(into: &decoded, capture: capture)
            case 0x00..<0x20:
                throw .invalid
            case 0x80...:
                let sequenceStart = index - 1
                try utf8Continuation(lead: byte)
                if !plain && capture { decoded.append(contentsOf: bytes[sequenceStart..<index]) }
            default:
                if !plain && capture { decoded.append(byte) }
            }
        }
    }

    /// Skips the bytes of a string that need no look (printable ASCII other than `"` and `\`),
    /// eight at a time: each test below is true when any byte of the word is such a byte.
    mutating func skipPlainASCII() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func anyZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word & highs != 0
            if word & highs != 0 || control || anyZero(word ^ (ones &* 0x22)) || anyZero(word ^ (ones &* 0x5C)) { break }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { return }
            index += 1
        }
    }

    mutating func escape(into decoded: inout [UInt8], capture: Bool) throws(Failure) {
        let byte = try next()
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw .invalid
        }
        if let simple {
            if capture { decoded.append(simple) }
            return
        }
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by an escaped low one.
            guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else { throw .invalid }
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw .invalid }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw .invalid
        }
        if capture, let unicode = Unicode.Scalar(scalar) {
            decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
        }
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = try next()
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw .invalid
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Checks the continuation bytes of a multi-byte UTF-8 sequence (no overlongs, no
    /// surrogates, nothing above U+10FFFF).
    mutating func utf8Continuation(lead: UInt8) throws(Failure) {
        func continuation(_ range: ClosedRange<UInt8> = 0x80...0xBF) throws(Failure) {
            guard range.contains(try next()) else { throw .invalid }
        }
        switch lead {
        case 0xC2...0xDF: try continuation()
        case 0xE0:
            try continuation(0xA0...0xBF)
            try continuation()
        case 0xE1...0xEC, 0xEE...0xEF:
            try continuation()
            try continuation()
        case 0xED:
            try continuation(0x80...0x9F)
            try continuation()
        case 0xF0:
            try continuation(0x90...0xBF)
            try continuation()
            try continuation()
        case 0xF1...0xF3:
            try continuation()
            try continuation()
            try continuation()
        case 0xF4:
            try continuation(0x80...0x8F)
            try continuation()
            try continuation()
        default: throw .invalid
        }
    }
}
