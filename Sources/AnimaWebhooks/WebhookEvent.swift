public import Foundation

/// A verified Anima event as a handler sees it: its `id`, `type`, which attempt this is, and
/// the raw body exactly as Anima sent it.
public struct WebhookEvent: Sendable {
    public let id: String
    public let type: String
    /// 1 for the first try.
    public let attempt: Int
    /// The raw JSON body, byte for byte as received.
    public let body: Data

    public init(id: String, type: String, attempt: Int, body: Data) {
        self.id = id
        self.type = type
        self.attempt = attempt
        self.body = body
    }

    /// Decodes the body (or the part you model) into your own type.
    public func decode<T: Decodable>(_ type: T.Type, using decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(T.self, from: body)
    }

    /// Reads `id` and `type` from a raw body. The body must be a JSON object whose `id` and
    /// `type` are non-empty strings; anything else is malformed and the error says why.
    public static func identify(_ body: Data) -> Result<(id: String, type: String), MalformedEventError> {
        body.withUnsafeBytes { identify(bytes: $0) }
    }

    /// ``identify(_:)`` over raw bytes: one validating pass, no document built.
    public static func identify(bytes: UnsafeRawBufferPointer) -> Result<(id: String, type: String), MalformedEventError> {
        guard let scanned = EventIdentityScanner.scan(bytes) else {
            return .failure(MalformedEventError("body is not valid JSON"))
        }
        guard scanned.isObject else {
            return .failure(MalformedEventError("body is not a JSON object"))
        }
        let id = scanned.id.flatMap { $0.isEmpty ? nil : $0 }
        let type = scanned.type.flatMap { $0.isEmpty ? nil : $0 }
        guard let id else {
            return .failure(MalformedEventError("body has no string \"id\"", type: type))
        }
        guard let type else {
            return .failure(MalformedEventError("body has no string \"type\"", id: id))
        }
        return .success((id, type))
    }
}
