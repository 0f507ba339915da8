import AnimaWebhooks
import Testing

/// Where `id` and the value at a path sit, and when the body is too unclear to say: every case
/// in which a JSON decoder could read the fields otherwise than the bytes show gets nil.
@Suite("EventFieldLocations: the id and the order key located in the raw body")
struct EventFieldLocationsTests {
    static func locate(_ body: String, path: [String] = ["data", "key"]) -> EventFieldLocations? {
        Array(body.utf8).withUnsafeBytes { EventFieldLocations.locate(in: $0, path: path.map { Array($0.utf8) }) }
    }

    /// The bytes of `body` that `range` covers.
    static func text(_ body: String, _ range: Range<Int>) -> String {
        String(decoding: Array(body.utf8)[range], as: UTF8.self)
    }

    @Test func aStringKeyIsLocatedWithItsQuotes() throws {
        let body = #"{"id":"evt_1","type":"t","data":{"pad":"xxxx","key":"k7"}}"#
        let found = try #require(Self.locate(body), "expected the fields located in \(body)")
        #expect(Self.text(body, found.id) == #""evt_1""#, "expected the id's token, saw \(Self.text(body, found.id))")
        guard case .string(let key) = found.value else {
            Issue.record("expected a string key, saw \(found.value)")
            return
        }
        #expect(Self.text(body, key) == #""k7""#, "expected the key's token, saw \(Self.text(body, key))")
    }

    @Test func anIntegerKeyIsLocatedWithItsSign() throws {
        let body = #"{"id":"e","type":"t","data":{"key": -42 }}"#
        let found = try #require(Self.locate(body))
        guard case .integer(let key) = found.value else {
            Issue.record("expected an integer key, saw \(found.value)")
            return
        }
        #expect(Self.text(body, key) == "-42", "expected -42, saw \(Self.text(body, key))")
    }

    @Test(arguments: [
        #"{"id":"e","type":"t","data":{"key":null}}"#, #"{"id":"e","type":"t","data":{"key":""}}"#,
        #"{"id":"e","type":"t","data":{"key":{"a":1}}}"#, #"{"id":"e","type":"t","data":{"key":[1]}}"#,
        #"{"id":"e","type":"t","data":{"key":true}}"#, #"{"id":"e","type":"t","data":{}}"#,
        #"{"id":"e","type":"t","data":"k"}"#, #"{"id":"e","type":"t"}"#, #"{"id":"e","type":"t","x":{"data":{"key":"k"}}}"#,
    ])
    func noKeyAtThePathIsLocatedAsAbsent(body: String) throws {
        let found = try #require(Self.locate(body), "expected the fields located in \(body)")
        #expect(found.value == .absent, "expected no key in \(body), saw \(found.value)")
    }

    @Test(arguments: [
        (#"{"id":"e","type":"t","data":{"key":"k\n"}}"#, "an escaped key"),
        (#"{"id":"e\u0031","type":"t","data":{"key":"k"}}"#, "an escaped id"),
        (#"{"id":"","type":"t","data":{"key":"k"}}"#, "an empty id"),
        (#"{"id":7,"type":"t","data":{"key":"k"}}"#, "an id that is not a string"),
        (#"{"id":"e","id":"f","type":"t","data":{"key":"k"}}"#, "a repeated id"),
        (#"{"id":"e","type":"t","type":"u","data":{"key":"k"}}"#, "a repeated type"),
        (#"{"id":"e","data":{"key":"k"}}"#, "no type"),
        (#"{"id":"e","type":1,"data":{"key":"k"}}"#, "a type that is not a string"),
        (#"{"id":"e","type":"t","data":{"key":"k"},"data":{"key":"j"}}"#, "a repeated step of the path"),
        (#"{"id":"e","type":"t","d\u0061ta":{"key":"k"},"data":{}}"#, "a step repeated under an escaped name"),
        (#"{"id":"e","type":"t","data":{"key":"k","key":"j"}}"#, "a repeated key"),
        (#"{"id":"e","type":"t","data":{"key":4.5}}"#, "a fraction"),
        (#"{"id":"e","type":"t","data":{"key":1e3}}"#, "an exponent"),
        (#"{"id":"e","type":"t","data":{"key":1234567890123456}}"#, "an integer of 16 digits"),
        (#"{"id":"e","type":"t","data":{"key":"k"}"#, "a body cut short"),
        (#"["e"]"#, "a body that is not an object"),
    ])
    func unclearBodiesAreNotLocated(body: String, what: String) {
        let found = Self.locate(body)
        #expect(found == nil, "expected nothing located with \(what), saw \(String(describing: found))")
    }

    @Test func aStepUnderAnEscapedNameIsFollowed() throws {
        let body = #"{"id":"e","type":"t","d\u0061ta":{"key":"k"}}"#
        let found = try #require(Self.locate(body))
        #expect(found.value != .absent, "expected the key under the escaped name found, saw \(found.value)")
    }

    @Test func aPathStartingAtTheIdLocatesTheIdAsTheKey() throws {
        let body = #"{"type":"t","id":"e9"}"#
        let found = try #require(Self.locate(body, path: ["id"]))
        #expect(found.value == .string(found.id), "expected the id's token as the key, saw \(found.value)")
    }
}
