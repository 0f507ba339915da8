public import Foundation

/// A handler as written on the command line or in a handlers file:
/// `builtin:ack`, `builtin:log`, `http://…`/`https://…`, or a shell command.
public enum HandlerSpec: Sendable, Hashable, CustomStringConvertible {
    case ack
    case log
    case forward(URL)
    case command(String)

    /// Parses one handler. An unknown `builtin:` name or an empty command is an error.
    public init(parsing text: String) throws(HandlerSpecError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("builtin:") {
            switch trimmed {
            case "builtin:ack": self = .ack
            case "builtin:log": self = .log
            default: throw HandlerSpecError("unknown handler '\(trimmed)' (builtins: builtin:ack, builtin:log)")
            }
            return
        }
        if trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") {
            guard let url = URL(string: trimmed), url.host != nil else {
                throw HandlerSpecError("'\(trimmed)' is not a valid URL")
            }
            self = .forward(url)
            return
        }
        guard !trimmed.isEmpty else { throw HandlerSpecError("empty handler") }
        self = .command(text)
    }

    public var description: String {
        switch self {
        case .ack: "builtin:ack"
        case .log: "builtin:log"
        case .forward(let url): url.absoluteString
        case .command(let command): "command: \(command)"
        }
    }
}
