/// Finds the top-level string `id` and `type` of a JSON body in one pass, without building a
/// document: the worker's hot path decodes nothing else. Given a path, it also notes where the
/// id and the value at the path sit (``EventFieldLocations``).
///
/// It still validates the whole body as strict JSON (RFC 8259, UTF-8, nesting up to 512
/// levels), so it accepts exactly what a full parser accepts. For a repeated key the last
/// value wins, as with `JSONSerialization`.
struct EventIdentityScanner {
    enum Failure: Error { case invalid }

    /// An object member's name: its bytes when it has no escapes, else its decoded bytes.
    enum MemberName {
        case plain(Range<Int>)
        case decoded([UInt8])
    }

    /// What a value was, as far as the scan cares.
    enum Scalar {
        /// A string: its text when captured, and whether its token has no escapes.
        case string(String?, plain: Bool)
        /// A number; `integer` when it is `-?digits` of at most 15 digits.
        case number(integer: Bool)
        case other
    }

    /// What one scan found at the top level and along the path.
    struct Found {
        var id: String?
        var type: String?
        var isObject = false
        /// The last `id` member's token, quotes included, when it is a string without escapes.
        var idToken: Range<Int>?
        var idCount = 0
        var typeCount = 0
        /// Whether the last `type` member is a string (its text is not read when locating).
        var typeIsString = false
        var value: EventFieldLocations.Value = .absent
        /// A step of the path repeated, or a value at the path that only a full decode reads.
        var unclear = false
    }

    let bytes: UnsafeRawBufferPointer
    var index = 0
    private let path: [[UInt8]]
    /// The path's steps seen so far, a bit each.
    private var stepsSeen: UInt64 = 0
    private var found = Found()
    /// Whether the last string read had an escape.
    var lastStringEscaped = false
    /// Locating (a path given): the id's and type's texts are not needed, only their tokens.
    private var locating: Bool { !path.isEmpty }
    static let maxDepth = 512
    private static let idName = Array("id".utf8)
    private static let typeName = Array("type".utf8)

    private init(_ bytes: UnsafeRawBufferPointer, path: [[UInt8]]) {
        self.bytes = bytes
        self.path = path
    }

    /// `nil` when the body is not valid JSON; `.some(nil, nil, false)` when it is valid but not
    /// an object; otherwise the `id` and `type` strings found (nil when absent or not strings).
    static func scan(_ bytes: UnsafeRawBufferPointer) -> (id: String?, type: String?, isObject: Bool)? {
        run(bytes, path: []).map { ($0.id, $0.type, $0.isObject) }
    }

    /// One validating pass; nil when the body is not valid JSON.
    static func run(_ bytes: UnsafeRawBufferPointer, path: [[UInt8]]) -> Found? {
        var scanner = EventIdentityScanner(bytes, path: path)
        if path.count > 64 { scanner.found.unclear = true }
        do {
            scanner.skipWhitespace()
            scanner.found.isObject = scanner.peek() == UInt8(ascii: "{")
            _ = try scanner.value(depth: 1, level: scanner.found.isObject ? 0 : nil)
            scanner.skipWhitespace()
            guard scanner.index == bytes.count else { return nil }
            return scanner.found
        } catch {
            return nil
        }
    }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func next() throws(Failure) -> UInt8 {
        guard index < bytes.count else { throw .invalid }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try next() == byte else { throw .invalid }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// `depth` counts the arrays and objects around the value, itself included if it is one:
    /// a scalar inside the 512th level is fine. `level`: for an object, how many steps of the
    /// path lead to it (0 for the top level, nil off the path).
    private mutating func value(depth: Int, level: Int? = nil, capture: Bool = false) throws(Failure) -> Scalar {
        skipWhitespace()
        let start = index
        switch peek() {
        case UInt8(ascii: "{"): try object(depth: depth, level: level)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""):
            let text = try string(capture: capture)
            return .string(text, plain: !lastStringEscaped)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            try number()
            let digits = bytes[start] == UInt8(ascii: "-") ? index - start - 1 : index - start
            return .number(integer: digits <= 15 && bytes[start..<index].allSatisfy { Self.isDigit($0) || $0 == UInt8(ascii: "-") })
        }
        return .other
    }

    private mutating func object(depth: Int, level: Int?) throws(Failure) {
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
            let name = try memberName()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try member(name, depth: depth, level: level)
            skipWhitespace()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw .invalid
            }
        }
    }

    /// A member's value, noted when it is the top level's `id` or `type` or the path's next step.
    private mutating func member(_ name: MemberName, depth: Int, level: Int?) throws(Failure) {
        let isID = level == 0 && self.name(name, is: Self.idName)
        let isType = level == 0 && self.name(name, is: Self.typeName)
        var step: Int?
        if let level, level < path.count, level < 64, self.name(name, is: path[level]) {
            step = level
            if stepsSeen & (1 << level) != 0 { found.unclear = true }
            stepsSeen |= 1 << level
        }
        let isLast = step == path.count - 1
        let start = index
        let scalar = try value(depth: depth + 1, level: step.flatMap { isLast ? nil : $0 + 1 }, capture: !locating && (isID || isType))
        if isID {
            found.idCount += 1
            if case .string(let text, let plain) = scalar {
                found.id = text
                found.idToken = plain ? start..<index : nil
            } else {
                (found.id, found.idToken) = (nil, nil)
            }
        }
        if isType {
            found.typeCount += 1
            if case .string(let text, _) = scalar {
                (found.type, found.typeIsString) = (text, true)
            } else {
                (found.type, found.typeIsString) = (nil, false)
            }
        }
        if isLast { note(scalar, at: start..<index) }
    }

    /// The value at the path, as a reader that decodes the body would take it: a non-empty
    /// string or an integer is the key, anything else (null, `""`, an object…) none.
    private mutating func note(_ scalar: Scalar, at token: Range<Int>) {
        switch scalar {
        case .string where token.count == 2: found.value = .absent
        case .string(_, plain: true): found.value = .string(token)
        case .string: found.unclear = true
        case .number(integer: true): found.value = .integer(token)
        case .number(integer: false): found.unclear = true
        case .other: found.value = .absent
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
            _ = try value(depth: depth + 1)
            skipWhitespace()
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return
            default: throw .invalid
            }
        }
    }
}
