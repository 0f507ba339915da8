import Foundation
import Testing

/// Every flag and variable that a deploy file hands to an executable exists in that
/// executable's `--help` (so a renamed or mistyped setting fails here, not in production).
@Suite("Deploy: flags and variables exist")
struct HelpCoverageTests {
    /// Variables of the contract that are no option: set by the worker for command handlers.
    static let contractVariables: Set<String> = ["ANIMA_EVENT_ID", "ANIMA_EVENT_TYPE", "ANIMA_EVENT_ATTEMPT"]

    /// `ANIMA_*`, `REDIS_URL` and `PORT` as whole words.
    static func variables(in text: String) -> Set<String> {
        Set(text.matches(of: /(?:^|[^A-Za-z0-9_])(ANIMA_[A-Z0-9_]*[A-Z0-9]|REDIS_URL|PORT)(?![A-Za-z0-9_])/).map { String($0.output.1) })
    }

    /// The executable a deploy file configures, from its name; nil for shared files.
    static func executable(of path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        return DeployFiles.executables.first { name.contains($0.dropFirst("anima-".count)) && name.hasPrefix("anima-") }
    }

    /// `(executable, flag)` for each `--flag` written after `anima-ingress|worker|admin` on a line.
    static func invocationFlags(in text: String) -> [(String, String)] {
        var found: [(String, String)] = []
        for line in text.split(separator: "\n") {
            for match in line.matches(of: /anima-(ingress|worker|admin)(?![A-Za-z0-9@._-])(.*)/) {
                for flag in match.output.2.matches(of: /(?:^|[^A-Za-z0-9-])(--[a-z][a-z0-9-]*)/) {
                    found.append(("anima-" + match.output.1, String(flag.output.1)))
                }
            }
        }
        return found
    }

    @Test func helpTextsWereCollected() async {
        for name in DeployFiles.executables {
            let help = await HelpTexts.of(name)
            #expect(help.contains("USAGE"), "\(name) --help: expected a usage text, saw \(help.prefix(200).debugDescription)")
        }
        #expect(
            await HelpTexts.of("anima-admin").contains("--yes"), "expected the dlq purge help (--yes) among anima-admin's subcommand helps")
    }

    @Test(arguments: DeployFiles.all)
    func everyVariableIsKnown(path: String) async throws {
        let text = try DeployFiles.text(path)
        let executable = Self.executable(of: path)
        let help = HelpTexts.words(in: executable == nil ? await HelpTexts.union : await HelpTexts.of(executable!))
        let unknown = Self.variables(in: text).subtracting(help).subtracting(Self.contractVariables)
        #expect(
            unknown.isEmpty,
            "\(path) names \(unknown.sorted()), which \(Self.executable(of: path) ?? "no executable")'s --help does not mention"
        )
    }

    @Test(arguments: DeployFiles.all)
    func everyFlagGivenToAnExecutableExists(path: String) async throws {
        for (executable, flag) in Self.invocationFlags(in: try DeployFiles.text(path)) {
            let known = HelpTexts.flags(in: await HelpTexts.of(executable))
            #expect(known.contains(flag), "\(path): \(executable) \(flag) is not in \(executable) --help (flags: \(known.sorted()))")
        }
    }

    /// Environment and arguments per compose service and per Kubernetes container, checked
    /// against the executable that service or container runs.
    @Test(arguments: DeployFiles.yamlFiles)
    func containersOnlyGetTheirExecutablesSettings(path: String) async throws {
        for document in try DeployFiles.yamlDocuments(path) {
            for container in Self.containers(in: document) {
                guard let executable = container.executable else { continue }
                let help = await HelpTexts.of(executable)
                let unknown = Set(container.variables).subtracting(HelpTexts.words(in: help))
                #expect(unknown.isEmpty, "\(path): \(container.name) runs \(executable) but sets \(unknown.sorted()), not in its --help")
                let flags = container.arguments.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) }
                let unknownFlags = Set(flags).subtracting(HelpTexts.flags(in: help))
                #expect(
                    unknownFlags.isEmpty,
                    "\(path): \(container.name) passes \(unknownFlags.sorted()) to \(executable), not in its --help"
                )
            }
        }
    }

    /// The settings of `anima.env.example` cover every variable of the ingress and the worker.
    @Test func envExampleListsEveryVariable() async throws {
        let example = Self.variables(in: try DeployFiles.text("deploy/systemd/anima.env.example"))
        for name in ["anima-ingress", "anima-worker"] {
            let documented = Self.variables(in: await HelpTexts.of(name))
            let missing = documented.subtracting(example)
            #expect(missing.isEmpty, "anima.env.example lacks \(missing.sorted()) of \(name) --help")
        }
    }

    /// Each `#NAME=value` default in `anima.env.example` is the default its --help states.
    @Test func envExampleDefaultsMatchTheHelp() async throws {
        let help = await HelpTexts.union.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for line in try DeployFiles.text("deploy/systemd/anima.env.example").split(separator: "\n") {
            guard let match = line.wholeMatch(of: /#([A-Z_]+)=(\S+)/) else { continue }
            let (name, value) = (String(match.output.1), String(match.output.2))
            let pattern = try Regex("env \(name); default ([^);]+)")
            guard let stated = help.firstMatch(of: pattern)?.output[1].substring else {
                Issue.record("anima.env.example sets #\(name)=\(value) but no --help states a default for \(name)")
                continue
            }
            #expect(stated.hasPrefix(value), "\(name): anima.env.example says \(value), --help says default \(stated)")
        }
    }

    struct Container {
        var name: String
        var executable: String?
        var variables: [String]
        var arguments: [String]
    }

    /// Compose services (`services:`) and Kubernetes containers (`containers:`) in a document.
    static func containers(in document: Any) -> [Container] {
        var result: [Container] = []
        func commandList(_ value: Any?) -> [String] {
            if let list = value as? [Any] { return list.map { "\($0)" } }
            if let text = value as? String { return text.split(separator: " ").map(String.init) }
            return []
        }
        func environmentNames(_ value: Any?) -> [String] {
            if let map = value as? [String: Any] { return map.keys.filter { $0 != "<<" } }
            if let list = value as? [Any] {
                return list.compactMap { item in
                    if let map = item as? [String: Any] { return map["name"] as? String }
                    return (item as? String).map { String($0.split(separator: "=")[0]) }
                }
            }
            return []
        }
        func visit(_ value: Any, key: String?) {
            if let map = value as? [String: Any] {
                if key == "services" {
                    for (name, service) in map {
                        guard let service = service as? [String: Any] else { continue }
                        let command = commandList(service["command"])
                        result.append(
                            Container(
                                name: "service \(name)",
                                executable: command.first.flatMap { DeployFiles.executables.contains($0) ? $0 : nil },
                                variables: environmentNames(service["environment"]),
                                arguments: Array(command.dropFirst())
                            )
                        )
                    }
                }
                for (childKey, child) in map { visit(child, key: childKey) }
            } else if let list = value as? [Any] {
                if key == "containers" || key == "initContainers" {
                    for case let container as [String: Any] in list {
                        let command = commandList(container["command"])
                        result.append(
                            Container(
                                name: "container \(container["name"] ?? "?")",
                                executable: command.first.flatMap { DeployFiles.executables.contains($0) ? $0 : nil },
                                variables: environmentNames(container["env"]),
                                arguments: Array(command.dropFirst()) + commandList(container["args"])
                            )
                        )
                    }
                }
                for child in list { visit(child, key: nil) }
            }
        }
        visit(document, key: nil)
        return result
    }
}
