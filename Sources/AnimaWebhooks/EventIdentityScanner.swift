/// Finds the top-level string `id` and `type` of a JSON body in one pass, without building a
/// document: the worker's hot path decodes nothing else.
///
/// It still validates the whole body as strict JSON (RFC 8259, UTF-8, nesting up to 512
/// levels), so it accepts exactly what a full parser accepts. For a repeated key the last
/// value wins, as with `JSONSerialization`.
struct EventIdentityScanner {
    enum Failure: Error { case invalid }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private static let maxDepth = 512

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// `nil` when the body is not valid JSON; `.some(nil, nil, false)` when it is valid but not
    /// an object; otherwise the `id` and `type` strings found (nil when absent or not strings).
    static func scan(_ bytes: UnsafeRawBufferPointer) -> (id: String?, type: String?, isObject: Bool)? {
        var scanner = EventIdentityScanner(bytes)
        do {
            scanner.skipWhitespace()
            var id: String?
            var type: String?
            let isObject = scanner.peek() == UInt8(ascii: "{")
            if isObject {
                try scanner.object(depth: 1, id: &id, type: &type)
            } else {
                try scanner.value(depth: 1)
            }
            scanner.skipWhitespace()
            guard scanner.index == bytes.count else { return nil }
            return (id, type, isObject)
        } catch {
            return nil
        }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() throws(Failure) -> UInt8 {
        guard index < bytes.count else { throw .invalid }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try next() == byte else { throw .invalid }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// `depth` counts the arrays and objects around the value, itself included if it is one:
    /// a scalar inside the 512th level is fine.
    private mutating func value(depth: Int) throws(Failure) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"):
            var ignoredID: String?
            var ignoredType: String?
            try object(depth: depth, id: &ignoredID, type: &ignoredType, capture: false)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): _ = try string(capture: false)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    private mutating func object(depth: Int, id: inout String?, type: inout String?, capture: Bool = true) throws(Failure) {
        guard depth <= Self.maxDepth else { throw .invalid }
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw .invalid }
            let key = capture ? try keyName() : try string(capture: false)
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            if capture, key == "id" || key == "type" {
                var found: String?
                if peek() == UInt8(ascii: "\"") {
                    found = try string(capture: true)
                } else {
                    try value(depth: depth + 1)
                }
                if key == "id" { id = found } else { type = found }
            } else {
                try value(depth: depth + 1)
            }
            skipWhitespace()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw .invalid
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) {
        guard depth <= Self.maxDepth else { throw .invalid }
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try value(depth: depth + 1)
            skipWhitespace()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return
            default: throw .invalid
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .invalid }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw .invalid
        }
        index += count
    }

    private mutating func number() throws(Failure) {
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

    private mutating func digits() throws(Failure) {
        guard let byte = peek(), Self.isDigit(byte) else { throw .invalid }
        while let byte = peek(), Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Reads an object key; returns "id" or "type" for those keys and nil for any other, without
    /// building a string for the common case of a key without escapes.
    private mutating func keyName() throws(Failure) -> String? {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20,
            bytes[end] < 0x80
        {
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let length = end - start
            let isID = length == 2 && bytes[start] == UInt8(ascii: "i") && bytes[start + 1] == UInt8(ascii: "d")
            let isType =
                length == 4 && bytes[start] == UInt8(ascii: "t") && bytes[start + 1] == UInt8(ascii: "y")
                && bytes[start + 2] == UInt8(ascii: "p") && bytes[start + 3] == UInt8(ascii: "e")
            index = end + 1
            return isID ? "id" : isType ? "type" : nil
        }
        // Escapes or non-ASCII: decode the key the slow way.
        let key = try string(capture: true)
        return key == "id" || key == "type" ? key : nil
    }

    /// Reads a string; returns its decoded text when `capture` is set.
    private mutating func string(capture: Bool) throws(Failure) -> String? {
        try expect(UInt8(ascii: "\""))
        let start = index
        var plain = true  // no escapes: the text is the bytes as they are
        var decoded: [UInt8] = []
        while true {
            let byte = try next()
            switch byte {
            case UInt8(ascii: "\""):
                guard capture else { return nil }
                if plain {
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
                }
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
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

    private mutating func escape(into decoded: inout [UInt8], capture: Bool) throws(Failure) {
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

    private mutating func hex4() throws(Failure) -> UInt32 {
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
    private mutating func utf8Continuation(lead: UInt8) throws(Failure) {
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
