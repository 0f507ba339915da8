import AnimaTestSupport
import Foundation
import Yams

/// The files under `deploy/` and the `--help` texts of the three executables, for the checks
/// of this target. Paths are relative to the repository root.
enum DeployFiles {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: url(path), encoding: .utf8)
    }

    /// Every regular file under `deploy/`, relative to the root, sorted.
    static var all: [String] {
        let base = url("deploy")
        let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
        var paths: [String] = []
        while let file = enumerator?.nextObject() as? URL {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            paths.append("deploy" + file.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count))
        }
        return paths.sorted()
    }

    static var yamlFiles: [String] { all.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") } }

    /// `compose.yaml` and the other compose files of `deploy/docker/` (`compose.sentinel.yaml`).
    static var composeFiles: [String] { yamlFiles.filter { $0.hasPrefix("deploy/docker/compose") } }

    /// Every YAML document of `path` (multi-document files give several).
    static func yamlDocuments(_ path: String) throws -> [Any] {
        try Array(Yams.load_all(yaml: text(path))).compactMap { $0 }
    }

    static let executables = ["anima-ingress", "anima-worker", "anima-admin"]
}

/// A deploy file is not shaped as a check expects, or a helper could not start.
struct DeployFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The `--help` output of each executable, with every subcommand's help appended (the admin's
/// options are those of its subcommands). Collected once, on a thread of its own: a dozen
/// synchronous runs on the cooperative pool would stall every other test for about a second.
enum HelpTexts {
    private static let collecting = Task { () -> [String: String] in
        (try? await runBlocking { () -> [String: String] in
            var texts: [String: String] = [:]
            for name in DeployFiles.executables { texts[name] = collect(name, []) }
            return texts
        }) ?? [:]
    }

    static func of(_ executable: String) async -> String { await collecting.value[executable] ?? "" }
    static var union: String { get async { await collecting.value.values.joined(separator: "\n") } }

    /// `--flag` names in a help text.
    static func flags(in help: String) -> Set<String> {
        Set(help.matches(of: /--[a-z0-9][a-z0-9-]*/).map { String($0.output) })
    }

    /// Word tokens (letters, digits, `_`) of a help text: the variable names it mentions.
    static func words(in help: String) -> Set<String> {
        Set(help.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
    }

    private static func collect(_ executable: String, _ path: [String]) -> String {
        var text = run(executable, path + ["--help"])
        for sub in subcommands(in: text) where sub != "help" && path.count < 3 {
            text += "\n" + collect(executable, path + [sub])
        }
        return text
    }

    /// Names listed under `SUBCOMMANDS:` in an ArgumentParser help text: the lines indented by
    /// exactly two spaces, up to the next empty line.
    static func subcommands(in help: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") {
                inSection = true
                continue
            }
            guard inSection else { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { continue }
            names.append(String(name))
        }
        return names
    }

    private static func run(_ executable: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = ManagedProcess.binDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "COLUMNS": "200"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
