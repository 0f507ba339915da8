import AnimaCLI
import AnimaHandlers
import AnimaWorker
import Foundation
import Yams

extension HandlerRegistry {
    /// The handlers named by `--on` and `--handlers` (`--on` wins for a type named in both).
    static func fromOptions(
        _ options: WorkerOptions,
        settings: SettingsReader
    ) throws(ConfigurationError) -> (HandlerRegistry, [String: HandlerSpec]) {
        var specs: [String: HandlerSpec] = [:]
        if let path = settings.text(options.handlersFile, "ANIMA_HANDLERS") {
            for (type, text) in try loadHandlersFile(path) {
                specs[type] = try parse(type: type, handler: text, origin: path)
            }
        }
        // `--on` wins over ANIMA_ON (one TYPE=HANDLER per line: commands may hold ; and spaces).
        let pairs =
            options.on.isEmpty
            ? (settings.text(nil, "ANIMA_ON") ?? "").split(separator: "\n").map(String.init).filter {
                !$0.trimmingCharacters(in: .whitespaces).isEmpty
            }
            : options.on
        for item in pairs {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ConfigurationError("--on '\(item)': expected TYPE=HANDLER, e.g. --on 'resource.created=builtin:log'")
            }
            let type = String(item[..<equals]).trimmingCharacters(in: .whitespaces)
            specs[type] = try parse(type: type, handler: String(item[item.index(after: equals)...]), origin: "--on")
        }
        guard !specs.isEmpty else {
            throw ConfigurationError(
                "no handlers: give --on TYPE=HANDLER (env ANIMA_ON, one per line) or --handlers FILE (--on '*=builtin:ack' acknowledges every event)"
            )
        }
        let forwardSecret = settings.text(options.forwardSecret, "ANIMA_FORWARD_SECRET")
        var registry = HandlerRegistry()
        for (type, spec) in specs {
            registry.on(type, spec.handler(forwardSecret: forwardSecret))
        }
        return (registry, specs)
    }

    private static func parse(type: String, handler: String, origin: String) throws(ConfigurationError) -> HandlerSpec {
        guard !type.isEmpty else { throw ConfigurationError("\(origin): empty event type") }
        do {
            return try HandlerSpec(parsing: handler)
        } catch {
            throw ConfigurationError("\(origin): handler for '\(type)': \(error.message)")
        }
    }

    /// Reads a JSON or YAML map from event type to handler string.
    static func loadHandlersFile(_ path: String) throws(ConfigurationError) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("--handlers (ANIMA_HANDLERS): cannot read '\(path)'")
        }
        let text = String(decoding: data, as: UTF8.self)
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)  // YAML is a superset of JSON: both parse here
        } catch {
            throw ConfigurationError("--handlers (ANIMA_HANDLERS): '\(path)' is not valid JSON or YAML: \(error)")
        }
        guard let map = loaded as? [String: Any] else {
            throw ConfigurationError("--handlers (ANIMA_HANDLERS): '\(path)' must be a map from event type to handler")
        }
        var pairs: [(String, String)] = []
        for (type, value) in map.sorted(by: { $0.key < $1.key }) {
            guard let handler = value as? String else {
                throw ConfigurationError("--handlers (ANIMA_HANDLERS): '\(path)': the handler of '\(type)' must be a string")
            }
            pairs.append((type, handler))
        }
        return pairs
    }
}
