/// A bad or missing setting, found at start. The message names the flag and the variable and
/// says what is expected; the executables print it as their first line on stderr and exit 1.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
