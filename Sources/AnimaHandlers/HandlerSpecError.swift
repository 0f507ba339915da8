/// Why a handler string cannot be used.
public struct HandlerSpecError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
