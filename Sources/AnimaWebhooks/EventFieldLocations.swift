/// Where an event's `id` and the value at a dotted path sit in its raw body: for a second
/// reader of the same bytes that must agree with a full JSON decoder without decoding them.
/// (The ordered take checks these bytes inside Redis instead of decoding every body there.)
public struct EventFieldLocations: Sendable, Equatable {
    /// The value at the path.
    public enum Value: Sendable, Equatable {
        /// Nothing a decoder would take as a key: absent, `null`, a boolean, an object, an
        /// array, `""`, or a step of the path that is not an object.
        case absent
        /// A non-empty string without escapes: its token, quotes included.
        case string(Range<Int>)
        /// An integer literal of at most 15 digits (exact as a double), sign included.
        case integer(Range<Int>)
    }

    /// The `id` string's token, quotes included.
    public let id: Range<Int>
    public let value: Value

    /// Locates the fields in `bytes` when a decoder can only read them one way: strict JSON, an
    /// object with exactly one `id` (a non-empty string without escapes) and one string `type`,
    /// every step of `path` at most once in its object, and a value at the path that is a key
    /// as written or plainly none (an escaped string or a fraction there gives nil).
    /// `path`: the UTF-8 bytes of each step.
    public static func locate(in bytes: UnsafeRawBufferPointer, path: [[UInt8]]) -> EventFieldLocations? {
        guard let found = EventIdentityScanner.run(bytes, path: path), found.isObject, !found.unclear,
            found.idCount == 1, let id = found.idToken, id.count > 2, found.typeCount == 1, found.typeIsString
        else { return nil }
        return EventFieldLocations(id: id, value: found.value)
    }
}
