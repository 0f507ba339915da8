import AnimaWebhooks
import Foundation

/// What a body is, as far as event identification cares.
enum Identity: Equatable, CustomStringConvertible {
    case invalid
    case notObject
    /// A JSON object; its top-level `id` and `type` when they are non-empty strings.
    case object(id: String?, type: String?)

    var description: String {
        switch self {
        case .invalid: "invalid JSON"
        case .notObject: "valid JSON, not an object"
        case .object(let id, let type): "object(id: \(id.map { "\"\($0)\"" } ?? "nil"), type: \(type.map { "\"\($0)\"" } ?? "nil"))"
        }
    }

    /// Compares strings byte for byte: Swift's `==` on `String` would treat canonically
    /// equivalent texts as equal.
    static func == (lhs: Identity, rhs: Identity) -> Bool {
        switch (lhs, rhs) {
        case (.invalid, .invalid), (.notObject, .notObject): true
        case (.object(let a, let b), .object(let c, let d)):
            a.map { Array($0.utf8) } == c.map { Array($0.utf8) } && b.map { Array($0.utf8) } == d.map { Array($0.utf8) }
        default: false
        }
    }
}

/// The identity `WebhookEvent.identify` reports for `bytes`, or why its answer is inconsistent.
func identified(_ bytes: [UInt8]) -> (identity: Identity, problem: String?) {
    switch WebhookEvent.identify(Data(bytes)) {
    case .success(let found):
        return (.object(id: found.id, type: found.type), nil)
    case .failure(let error):
        switch error.reason {
        case "body is not valid JSON": return (.invalid, nil)
        case "body is not a JSON object": return (.notObject, nil)
        case #"body has no string "id""#:
            let problem = error.id == nil ? nil : "a missing id, yet MalformedEventError.id is \(error.id!)"
            return (.object(id: nil, type: error.type), problem)
        case #"body has no string "type""#:
            let problem = error.id == nil ? "a missing type, but MalformedEventError.id is nil" : nil
            return (.object(id: error.id, type: nil), problem)
        default:
            return (.invalid, "unexpected failure reason '\(error.reason)'")
        }
    }
}

/// `JSONSerialization` (with fragments allowed) as the oracle for `WebhookEvent.identify`,
/// corrected to RFC 8259 where Foundation on Linux departs from it:
///
/// - it accepts a trailing comma in arrays and objects (`[1,]`, `{"a":1,}`): RFC 8259 forbids it;
/// - it skips a UTF-8 byte order mark: RFC 8259 §8.1 says senders MUST NOT add one, and a
///   strict parser rejects it (the scanner does);
/// - it detects UTF-16 and UTF-32 (`"1\u{0}"` parses as the number 1): RFC 8259 §8.1 requires
///   UTF-8, and a NUL byte or any invalid UTF-8 can never be part of a JSON text;
/// - it rejects numbers beyond `Double` (`1e400`, 400 nines): the RFC grammar accepts them, and
///   the scanner only validates numbers, it does not convert them (RFC 8259 §9 allows limits,
///   the contract sets none).
///
/// - it drops U+FEFF at the start of a string and after an escape (see
///   ``zeroWidthNoBreakSpace``): inside a string it is an ordinary character.
///
/// Agreements worth knowing: both reject lone surrogate escapes (`"\uD800"`; grammatical per
/// RFC 8259 §7, but not a Unicode string, §8.2), and both allow 512 nested arrays or objects,
/// not 513.
enum JSONOracle {
    static func identity(of bytes: [UInt8]) -> Identity {
        // U+FEFF stands in as U+E000 while Foundation parses (see zeroWidthNoBreakSpace).
        let hidesFEFF = bytes.firstRange(of: placeholder) == nil
        let asked = hidesFEFF ? replacing(zeroWidthNoBreakSpace, with: placeholder, in: bytes) : bytes
        var found = foundationIdentity(of: asked)
        if found == nil {
            // Only numbers out of Double's range may make an RFC-valid text fail here: with
            // every grammatical number written as 0, is it valid?
            let zeroed = numbersZeroed(asked)
            if zeroed != asked { found = foundationIdentity(of: zeroed) }
        }
        guard var found else { return .invalid }
        if hidesFEFF, case .object(let id, let type) = found {
            let restore = { (text: String?) in
                text.map { String(decoding: replacing(placeholder, with: zeroWidthNoBreakSpace, in: Array($0.utf8)), as: UTF8.self) }
            }
            found = .object(id: restore(id), type: restore(type))
        }
        if bytes.contains(0) || bytes.starts(with: [0xEF, 0xBB, 0xBF]) || String(validating: bytes, as: UTF8.self) == nil {
            return .invalid
        }
        if hasTrailingComma(bytes) { return .invalid }
        return found
    }

    /// U+FEFF in UTF-8. Foundation on Linux drops it at the start of a string and right after
    /// an escape (`"\u{FEFF}a"` decodes to `"a"`): a Foundation bug, since inside a string it is
    /// an ordinary character. The oracle hides it from Foundation as ``placeholder``.
    static let zeroWidthNoBreakSpace: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// U+E000 in UTF-8: a private-use character of the same length, which no test writes.
    static let placeholder: [UInt8] = [0xEE, 0x80, 0x80]

    static func replacing(_ old: [UInt8], with new: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index...].starts(with: old) {
                result += new
                index += old.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    /// What `JSONSerialization` itself makes of `bytes`; nil when it rejects them.
    static func foundationIdentity(of bytes: [UInt8]) -> Identity? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return nil
        }
        guard let object = value as? [String: Any] else { return .notObject }
        func text(_ key: String) -> String? {
            guard let string = object[key] as? String, !string.isEmpty else { return nil }
            return string
        }
        return .object(id: text("id"), type: text("type"))
    }

    /// Whether a `,` outside strings is followed (after whitespace) by `]` or `}`.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var strings = StringTracker()
        var afterComma = false
        for byte in bytes {
            if strings.isInString(byte) {
                afterComma = false
                continue
            }
            switch byte {
            case UInt8(ascii: ","): afterComma = true
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if afterComma { return true }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: afterComma = false
            }
        }
        return false
    }

    /// `bytes` with every maximal run of number characters outside strings that is a whole
    /// RFC 8259 number replaced by `0`. Validity is unchanged, except for range limits.
    static func numbersZeroed(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var strings = StringTracker()
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if !strings.isInString(byte), isNumberCharacter(byte) {
                // Number characters are never quotes: the tracker needs not see the rest of the run.
                var end = index
                while end < bytes.count, isNumberCharacter(bytes[end]) { end += 1 }
                let run = bytes[index..<end]
                result += isNumber(run) ? [UInt8(ascii: "0")] : Array(run)
                index = end
                continue
            }
            result.append(byte)
            index += 1
        }
        return result
    }

    private static func isNumberCharacter(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// Whether `run` is exactly `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isNumber(_ run: ArraySlice<UInt8>) -> Bool {
        var bytes = run[...]
        func digits() -> Int {
            let count = bytes.prefix { (0x30...0x39).contains($0) }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") {
            bytes = bytes.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            if digits() == 0 { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            if digits() == 0 { return false }
        }
        return bytes.isEmpty
    }
}

/// Follows a byte-by-byte scan of JSON text: whether each byte is part of a string.
struct StringTracker {
    private var inString = false
    private var escaped = false

    /// Whether `byte`, the next one, belongs to a string (its quotes included).
    mutating func isInString(_ byte: UInt8) -> Bool {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return true
        }
        inString = byte == UInt8(ascii: "\"")
        return inString
    }
}
