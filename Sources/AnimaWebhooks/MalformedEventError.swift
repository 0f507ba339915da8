/// Why a body is not a usable event. Such events go to the dead letters at once.
public struct MalformedEventError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    /// The body's string `id` when it has one (it lacks only the type), for the dead letter.
    public let id: String?
    /// The body's string `type` when it has one (it lacks only the id), for the dead letter.
    public let type: String?
    public init(_ reason: String, id: String? = nil, type: String? = nil) {
        self.reason = reason
        self.id = id
        self.type = type
    }
    public var description: String { "malformed event: \(reason)" }
}
