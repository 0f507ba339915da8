import AnimaWebhooks
import Foundation
import Testing

/// `WebhookEvent.identify` against `JSONSerialization` (corrected to RFC 8259, see
/// ``JSONOracle``) on hand-written documents, one family per test.
@Suite("WebhookEvent.identify: hand-written documents")
struct EventIdentityTableTests {
    /// An event object whose `data` member is `value`: the value must be validated even though
    /// only `id` and `type` are extracted.
    static func event(with value: [UInt8]) -> [UInt8] {
        Array(#"{"id":"evt_1","type":"t","data":"#.utf8) + value + Array("}".utf8)
    }

    static func event(with value: String) -> [UInt8] { event(with: Array(value.utf8)) }

    /// An event whose id is the JSON string made of `content` between quotes.
    static func eventWithID(_ content: [UInt8]) -> [UInt8] {
        Array(#"{"type":"t","id":""#.utf8) + content + Array(#""}"#.utf8)
    }

    // MARK: Strings

    static let escapes = [
        #"a\"b"#, #"a\\b"#, #"a\/b"#, #"\b\f\n\r\t"#, #"\u0041"#, #"\u00e9"#, #"\u20AC"#, #"\u0000"#, #"\uFFFF"#,
        #"\uD83D\uDE00"#, #"\ud83d\ude00"#, #"\uDBFF\uDFFF"#, #"x\uD800"#, #"\uDC00"#, #"\uD800\u0041"#, #"\uD800x"#,
        #"\uDE00\uD83D"#, #"\uD800\uD800"#, #"\uD800\"#, #"\u12"#, #"\u12G4"#, #"\x41"#, #"\U0041"#, #"\'"#, #"\"#,
        #"\ "#, "\\\u{0}",
    ]

    @Test func stringEscapesAgreeWithTheOracle() {
        // Lone surrogate escapes (`\uD800`, `\uDC00`, a high one before a non-low one) are
        // grammatical per RFC 8259 §7 but name no character (§8.2); both sides reject them.
        expectAgreement(Self.escapes.map { Self.eventWithID(Array($0.utf8)) })
        expectAgreement(Self.escapes.map { Array(#"""#.utf8) + Array($0.utf8) + Array(#"""#.utf8) })
    }

    @Test func keysWrittenWithEscapesStillNameIDAndType() {
        let documents = [
            #"{"\u0069d":"evt_1","typ\u0065":"t"}"#, #"{"\u0069\u0064":"evt_1","\u0074\u0079\u0070\u0065":"t"}"#,
            #"{"i\u0064":"evt_1","type":"t"}"#, #"{"id\u0000":"evt_1","type":"t"}"#, #"{"ID":"evt_1","Type":"t"}"#,
            #"{"i\"d":"evt_1","type":"t"}"#, #"{" id":"evt_1","type ":"t"}"#,
        ]
        expectAgreement(documents.map { Array($0.utf8) })
        let seen = identified(Array(#"{"\u0069d":"evt_1","typ\u0065":"t"}"#.utf8)).identity
        #expect(seen == .object(id: "evt_1", type: "t"), "expected id evt_1 and type t, saw \(seen)")
    }

    @Test func escapedValuesAreDecoded() {
        let document = #"{"id":"a\"b\\c\/d\u00e9\uD83D\uDE00","type":"t\n"}"#
        let seen = identified(Array(document.utf8)).identity
        let expected = Identity.object(id: "a\"b\\c/dé😀", type: "t\n")
        #expect(seen == expected, "expected \(expected), saw \(seen)")
    }

    @Test func rawControlCharactersInStringsAreRejectedAndDELIsNot() {
        var documents = (0x00...0x1F).map { Self.eventWithID([UInt8(ascii: "a"), UInt8($0)]) }
        documents.append(Self.eventWithID([UInt8(ascii: "a"), 0x7F]))
        expectAgreement(documents)
        let seen = identified(Self.eventWithID([UInt8(ascii: "a"), 0x7F])).identity
        #expect(seen == .object(id: "a\u{7F}", type: "t"), "DEL is an ordinary character; saw \(seen)")
    }

    // MARK: UTF-8

    static let utf8Sequences: [[UInt8]] = [
        [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
        [0xEF, 0xBB, 0xBF], [0xC2, 0x80], [0xE0, 0xA0, 0x80], [0xF0, 0x90, 0x80, 0x80],
        // overlong
        [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0xAF], [0xF0, 0x8F, 0xBF, 0xBF],
        // UTF-16 surrogates encoded in UTF-8
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80],
        // above U+10FFFF
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF7, 0xBF, 0xBF, 0xBF], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xFE], [0xFF],
        // truncated, or a continuation byte alone
        [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x80], [0xBF], [0xC3, 0xC3], [0xE2, 0x28, 0xA1],
    ]

    @Test func invalidUTF8IsRejectedInsideAndOutsideStrings() {
        expectAgreement(Self.utf8Sequences.map { Self.eventWithID($0) })
        expectAgreement(Self.utf8Sequences.map { Self.event(with: [UInt8(ascii: "\"")] + $0 + [UInt8(ascii: "\"")]) })
        expectAgreement(Self.utf8Sequences.map { Self.event(with: "1") + $0 })
        expectAgreement(
            Self.utf8Sequences.map { Array(#"{"id":"evt_1","type":"t","#.utf8) + [UInt8(ascii: "\"")] + $0 + Array(#"":1}"#.utf8) }
        )
    }

    @Test func validMultiByteIDIsReturnedByteForByte() {
        let id: [UInt8] = [0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xBF, 0xBF]
        let seen = identified(Self.eventWithID(id)).identity
        let expected = Identity.object(id: String(decoding: id, as: UTF8.self), type: "t")
        #expect(seen == expected, "expected \(expected), saw \(seen)")
    }

    @Test func byteOrderMarkIsRejected() {
        // RFC 8259 §8.1: senders MUST NOT add a BOM; a strict parser rejects it. Foundation on
        // Linux skips it, so the oracle is not asked.
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"id":"evt_1","type":"t"}"#.utf8)
        let seen = identified(body).identity
        #expect(seen == .invalid, "expected a BOM to make the body invalid, saw \(seen)")
    }

    @Test func utf16AndUTF32BodiesAreRejected() {
        // RFC 8259 §8.1: JSON exchanged between systems is UTF-8. Foundation on Linux detects
        // UTF-16 and UTF-32 (it reads `31 00` as the number 1), so the oracle is not asked.
        let text = #"{"id":"evt_1","type":"t"}"#
        let bodies: [[UInt8]] = [
            [0x31, 0x00], [0x00, 0x31], [0x31, 0x00, 0x00, 0x00],
            text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
            text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] },
            [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
        ]
        for body in bodies {
            let seen = identified(body).identity
            #expect(seen == .invalid, "\(describe(body)): expected invalid, saw \(seen)")
        }
    }

    // MARK: Numbers and literals

    static let numbers = [
        "0", "-0", "1", "-1", "10", "1234567890", "1.5", "-1.5", "0.5", "0.000001", "1e5", "1E5", "1e+5", "1e-5", "1E-05",
        "1.5e10", "-0.0e-0", "0e0", "123456789012345678901234567890", "1e308", "1e-400", "01", "-01", "00", "1.", ".5",
        "-", "-.5", "1e", "1e+", "1E-", "+1", "0x10", "1.e5", "--1", "1.5.5", "1e5.5", "1e5e5", "- 1", "1 .5", "NaN",
        "Infinity", "-Infinity", "٣", "1_000",
    ]

    @Test func numbersInEveryFormAgreeWithTheOracle() {
        expectAgreement(Self.numbers.map { Array($0.utf8) })
        expectAgreement(Self.numbers.map { Self.event(with: $0) })
        expectAgreement(Self.numbers.map { Self.event(with: "[\($0)]") })
        expectAgreement(Self.numbers.map { Self.event(with: "[\($0),2]") })
    }

    @Test func numbersBeyondDoubleAreValidJSON() {
        // RFC 8259 §6: the grammar has no range; the scanner validates and never converts.
        // Foundation rejects these (it cannot represent them), so the oracle is not asked.
        for number in ["1e400", "-1e400", "1E+99999", String(repeating: "9", count: 400), "0." + String(repeating: "1", count: 400)] {
            let seen = identified(Self.event(with: number)).identity
            #expect(seen == .object(id: "evt_1", type: "t"), "\(number.prefix(20))…: expected a valid event, saw \(seen)")
        }
    }

    @Test func literalsAgreeWithTheOracle() {
        let literals = [
            "true", "false", "null", "[true,false,null]", "tru", "nul", "fals", "True", "NULL", "FALSE", "truex", "nulll",
            "t", "n", "f", "true false", "[true false]", "undefined", "None",
        ]
        expectAgreement(literals.map { Array($0.utf8) })
        expectAgreement(literals.map { Self.event(with: $0) })
    }

    // MARK: Structure

    @Test func structureAgreesWithTheOracle() {
        let documents = [
            "{}", "[]", #"{"a":[1,{"b":null}],"c":{}}"#, "[[],[[]],{}]", #"[1,,2]"#, "[,1]", "[,]", "{,}", #"{"a" 1}"#,
            #"{"a":}"#, #"{"a"}"#, "{1:2}", "{null:1}", "[1 2]", #"{"a":1 "b":2}"#, #"{"a":1"#, "[", "]", "{", "}",
            #"{"a":1}}"#, "[1]]", "[[1]", #""unterminated"#, "{'a':1}", "{a:1}", #"{"a"::1}"#, #"{"a":1,,"b":2}"#,
            #"{"a":1:2}"#, "[1:2]", #"{"a","b"}"#, #"""#, #""""#, "[\"a\",]x",
        ]
        expectAgreement(documents.map { Array($0.utf8) })
        expectAgreement(documents.map { Self.event(with: $0) })
    }

    @Test func trailingCommasAreRejected() {
        // RFC 8259 forbids them; Foundation on Linux accepts them, so the oracle is not asked.
        let documents = ["[1,]", #"{"a":1,}"#, #"{"id":"evt_1","type":"t",}"#, "[[],]", "[{},]", "[true,\n]", #"{"a":[1,],"b":2}"#]
        for document in documents {
            let seen = identified(Array(document.utf8)).identity
            #expect(seen == .invalid, "\(document): expected invalid, saw \(seen)")
        }
    }

    @Test func whitespaceIsAllowedBetweenTokensAndAroundTheDocument() {
        let documents = [
            " \t\r\n{\"id\":\"evt_1\",\"type\":\"t\"} \t\r\n",
            "{ \"id\" : \"evt_1\" , \"type\"\n:\r\"t\"\t}",
            "\n[ 1 , [ ] , { } ]\n",
            "", " ", "\t\r\n",
            "\u{0B}{}", "{}\u{0C}", "\u{A0}{}", "{\u{A0}}", "{}\u{2028}", "\u{0}{}",
        ]
        expectAgreement(documents.map { Array($0.utf8) })
        let seen = identified(Array(documents[0].utf8)).identity
        #expect(seen == .object(id: "evt_1", type: "t"), "saw \(seen)")
    }

    @Test func trailingGarbageIsRejected() {
        let documents = [
            #"{"id":"evt_1","type":"t"} x"#, #"{"id":"evt_1","type":"t"}{}"#, #"{"id":"evt_1","type":"t"} 1"#, "1 2",
            "{}]", "[]}", "{}\"", "null null", "{}/", "{}//comment", "/*c*/{}", "{}#",
        ]
        expectAgreement(documents.map { Array($0.utf8) })
        expectAgreement([Array("{}".utf8) + [0x00], Array("{}".utf8) + [0x00, 0x00, 0x00]])
    }

    // MARK: Nesting

    static func nestedArrays(_ levels: Int, around inner: String) -> [UInt8] {
        Array((String(repeating: "[", count: levels) + inner + String(repeating: "]", count: levels)).utf8)
    }

    static func nestedObjects(_ levels: Int, around inner: String) -> [UInt8] {
        Array((String(repeating: #"{"a":"#, count: levels) + inner + String(repeating: "}", count: levels)).utf8)
    }

    @Test func nestingUpTo512LevelsIsAcceptedAndDeeperIsNot() {
        // Foundation allows 512 nested arrays or objects, whatever the innermost value.
        var documents: [[UInt8]] = []
        for levels in [1, 2, 100, 510, 511, 512, 513, 514, 600] {
            for inner in ["", "1", #""s""#, "{}", "[]", "null"] {
                documents.append(Self.nestedArrays(levels, around: inner))
            }
            documents.append(Self.nestedObjects(levels, around: "1"))
            documents.append(Self.nestedObjects(levels, around: "[]"))
            // Inside an event object, which is level 1 itself.
            documents.append(Self.event(with: Self.nestedArrays(levels - 1, around: "1")))
            documents.append(Self.event(with: Self.nestedArrays(levels - 1, around: "")))
        }
        expectAgreement(documents)
    }

    @Test func unclosedDeepNestingIsRejectedWithoutCrashing() {
        let documents = [
            Array(String(repeating: "[", count: 100_000).utf8), Array(String(repeating: #"{"a":"#, count: 50_000).utf8),
            Self.event(with: Array(String(repeating: "[", count: 100_000).utf8)),
        ]
        for document in documents {
            let seen = identified(document).identity
            #expect(seen == .invalid, "\(describe(document)): expected invalid, saw \(seen)")
        }
    }

    // MARK: id and type

    @Test func idAndTypeOfEveryKindAgreeWithTheOracle() {
        let values = [#""evt_1""#, #""""#, #"" ""#, "1", "0", "-1.5", "null", "true", "false", "{}", #"{"id":"x"}"#, "[]", #"["x"]"#]
        var documents: [[UInt8]] = []
        for value in values {
            documents.append(Array(#"{"id":\#(value),"type":"t"}"#.utf8))
            documents.append(Array(#"{"id":"evt_1","type":\#(value)}"#.utf8))
            documents.append(Array(#"{"id":\#(value),"type":\#(value)}"#.utf8))
            documents.append(Array(#"{"id":\#(value)}"#.utf8))
            documents.append(Array(#"{"type":\#(value)}"#.utf8))
        }
        documents += [
            "{}", #"{"data":{"id":"evt_1","type":"t"}}"#, #"[{"id":"evt_1","type":"t"}]"#, #""evt_1""#, "1", "null",
        ].map { Array($0.utf8) }
        expectAgreement(documents)
    }

    @Test func lastOfRepeatedKeysWins() {
        let documents = [
            (#"{"id":"a","id":"b","type":"t"}"#, Identity.object(id: "b", type: "t")),
            (#"{"id":"a","type":"t","id":1}"#, .object(id: nil, type: "t")),
            (#"{"id":1,"type":"t","id":"b"}"#, .object(id: "b", type: "t")),
            (#"{"id":"a","type":"t","type":""}"#, .object(id: "a", type: nil)),
            (#"{"id":"a","type":"t","\u0069d":"c"}"#, .object(id: "c", type: "t")),
            (#"{"id":"a","type":"t","id":{"id":"x"}}"#, .object(id: nil, type: "t")),
        ]
        expectAgreement(documents.map { Array($0.0.utf8) })
        for (document, expected) in documents {
            let seen = identified(Array(document.utf8)).identity
            #expect(seen == expected, "\(document): expected \(expected), saw \(seen)")
        }
    }

    // MARK: Failure reasons

    @Test func failureReasonsNameWhatIsWrongAndKeepTheOtherField() {
        let cases: [(body: String, reason: String, id: String?, type: String?)] = [
            ("not json {", "body is not valid JSON", nil, nil),
            ("", "body is not valid JSON", nil, nil),
            (#"[{"id":"a","type":"t"}]"#, "body is not a JSON object", nil, nil),
            (#""text""#, "body is not a JSON object", nil, nil),
            (#"{"type":"only.type"}"#, #"body has no string "id""#, nil, "only.type"),
            (#"{"id":"","type":"t"}"#, #"body has no string "id""#, nil, "t"),
            (#"{"id":7}"#, #"body has no string "id""#, nil, nil),
            (#"{"id":"evt_only_id"}"#, #"body has no string "type""#, "evt_only_id", nil),
            (#"{"id":"evt_1","type":null}"#, #"body has no string "type""#, "evt_1", nil),
        ]
        for item in cases {
            switch WebhookEvent.identify(Data(item.body.utf8)) {
            case .success(let found):
                Issue.record("\(item.body): expected failure '\(item.reason)', saw success \(found)")
            case .failure(let error):
                #expect(
                    error.reason == item.reason && error.id == item.id && error.type == item.type,
                    "\(item.body): expected '\(item.reason)' id \(item.id ?? "nil") type \(item.type ?? "nil"), saw '\(error.reason)' id \(error.id ?? "nil") type \(error.type ?? "nil")"
                )
            }
        }
    }
}

/// Records an issue for every document where `identify` and the oracle disagree.
func expectAgreement(_ documents: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation) {
    for document in documents {
        if let mismatch = disagreement(on: document) {
            Issue.record(Comment(rawValue: mismatch), sourceLocation: sourceLocation)
        }
    }
}

/// Why `identify` and the oracle disagree on `document`, or nil when they agree.
func disagreement(on document: [UInt8]) -> String? {
    let expected = JSONOracle.identity(of: document)
    let (seen, problem) = identified(document)
    if let problem { return "\(describe(document)): \(problem)" }
    if seen != expected { return "\(describe(document)): the oracle says \(expected), identify says \(seen)" }
    return nil
}

/// `bytes` as readable text: printable ASCII as is, other bytes as `\xNN`; long ones shortened.
func describe(_ bytes: [UInt8]) -> String {
    let shown = bytes.count > 160 ? Array(bytes.prefix(80)) : bytes
    var text = shown.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
    if bytes.count > 160 { text += "… (\(bytes.count) bytes)" }
    return "'\(text)'"
}
