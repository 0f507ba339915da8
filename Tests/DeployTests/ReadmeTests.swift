import Foundation
import Testing

/// What the README tells users and operators is what the code does: its commands, settings,
/// defaults and quoted log lines are checked against the executables' `--help` and the
/// sources, so that they cannot drift apart.
@Suite("README: commands, settings and log lines match the code")
struct ReadmeTests {
    static func readme() throws -> String { try DeployFiles.text("README.md") }

    /// Variables the README may name that are no option of an executable.
    static let otherVariables: Set<String> = HelpCoverageTests.contractVariables.union(["ANIMA_TEST_WIDTH"])

    @Test func isAGuideOfAtMost400Lines() throws {
        let lines = try Self.readme().split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lines <= 401, "README.md has \(lines) lines; keep it a guide (≤ 400) and move details to docs/")
    }

    @Test func sectionsComeInTheGuidesOrder() throws {
        let headings = try Self.readme().split(separator: "\n").filter { $0.hasPrefix("## ") }.map(String.init)
        let order = [
            "## Quick start", "## How it works", "## Signing", "## Handlers", "## Retries and dead letters",
            "## Delivery guarantees", "## Redis high availability", "## Operating",
        ]
        let found = order.compactMap { wanted in headings.firstIndex { $0.hasPrefix(wanted) } }
        #expect(found.count == order.count, "expected the sections \(order), saw \(headings)")
        #expect(found == found.sorted(), "expected the sections in the order \(order), saw \(headings)")
    }

    @Test func quickStartBeginsWithRunThenTest() throws {
        let text = try Self.readme()
        let start = try #require(text.range(of: "## Quick start"), "no Quick start section")
        let block = try #require(text[start.upperBound...].firstMatch(of: /```sh\n([^`]*)```/), "no command block in Quick start")
        let commands = block.output.1.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
        #expect(Array(commands.prefix(2)) == ["scripts/run", "scripts/test"], "Quick start begins with \(commands.prefix(2))")
    }

    @Test func everyScriptItNamesExists() throws {
        let names = Set(try Self.readme().matches(of: /scripts\/([a-z][a-z-]*)/).map { String($0.output.1) })
        #expect(!names.isEmpty)
        for name in names.sorted() {
            let path = DeployFiles.url("scripts/" + name).path
            #expect(FileManager.default.isExecutableFile(atPath: path), "README names scripts/\(name), which is not an executable file")
        }
    }

    /// `scripts/run --detach` and the like: the script takes the flag.
    @Test func everyFlagGivenToAScriptIsTakenByIt() throws {
        let uses = try Self.readme().matches(of: /scripts\/([a-z][a-z-]*) (--[a-z][a-z-]*)/)
        for use in uses {
            let script = try DeployFiles.text("scripts/" + use.output.1)
            #expect(script.contains(use.output.2), "README runs scripts/\(use.output.1) \(use.output.2), which the script does not take")
        }
    }

    /// Every relative link and image points at a file of the repository; every `#anchor` at a heading.
    @Test func everyLinkLeadsSomewhere() throws {
        let text = try Self.readme()
        let anchors = Set(
            text.split(separator: "\n").filter { $0.hasPrefix("#") }.map { heading in
                String(heading.drop { $0 == "#" || $0 == " " }.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" })
                    .replacingOccurrences(of: " ", with: "-")
            }
        )
        for link in text.matches(of: /\]\(([^)\s]+)\)/).map({ String($0.output.1) }) where !link.hasPrefix("http") {
            if link.hasPrefix("#") {
                #expect(anchors.contains(String(link.dropFirst())), "README links to \(link), which is no heading of it")
            } else {
                let path = String(link.split(separator: "#")[0])
                #expect(FileManager.default.fileExists(atPath: DeployFiles.url(path).path), "README links to \(path), which does not exist")
            }
        }
    }

    @Test func everyFlagGivenToAnExecutableExists() async throws {
        let found = HelpCoverageTests.invocationFlags(in: try Self.readme())
        #expect(found.count > 10, "expected the README's commands, found \(found.count) flags")
        for (executable, flag) in found {
            let known = HelpTexts.flags(in: await HelpTexts.of(executable))
            #expect(known.contains(flag), "README: \(executable) \(flag) is not in \(executable) --help")
        }
    }

    @Test func everyVariableItNamesIsASetting() async throws {
        let known = HelpTexts.words(in: await HelpTexts.union)
        let unknown = HelpCoverageTests.variables(in: try Self.readme()).subtracting(known).subtracting(Self.otherVariables)
        #expect(unknown.isEmpty, "README names \(unknown.sorted()), which no --help mentions")
    }

    /// Each row of the settings table: its flags exist, and its default is the one the help
    /// states (the help's defaults come from the configuration structs: see
    /// `HelpCoverageTests`).
    @Test func settingsTableMatchesTheHelp() async throws {
        let help = await HelpTexts.union.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let rows = try Self.readme().matches(of: /\n\| `([A-Z_]+)` \| ([^|]*) \| ([^|]*) \|/)
        #expect(rows.count >= 20, "expected the settings table, found \(rows.count) rows")
        for row in rows {
            let (name, flags, stated) = (String(row.output.1), String(row.output.2), String(row.output.3))
            for flag in flags.matches(of: /--[a-z][a-z0-9-]*/) {
                #expect(HelpTexts.flags(in: help).contains(String(flag.output)), "\(name): \(flag.output) is in no --help")
            }
            let value = stated.replacingOccurrences(of: "`", with: "").trimmingCharacters(in: .whitespaces)
            guard value != "—" else { continue }
            let pattern = try Regex("env \(name)[;)] (?:default:? )?([^);]+)")
            let helpValue = try #require(help.firstMatch(of: pattern)?.output[1].substring, "no --help states a default for \(name)")
            let expected = value == "*required*" ? "required" : value
            #expect(helpValue.hasPrefix(expected), "\(name): the README says \(value), --help says \(helpValue)")
        }
    }

    /// The log lines the deploy guide quotes (its "log line" table, which the README links to)
    /// are in the sources: `N` stands for one interpolated value, `…` for any text.
    @Test func quotedLogLinesAreInTheSources() throws {
        let text = try DeployFiles.text("deploy/README.md")
        let table = try #require(text.range(of: "| log line |"), "no log line table")
        let quotes = text[table.upperBound...].split(separator: "\n").dropFirst().prefix { $0.hasPrefix("|") }.compactMap { row in
            row.firstMatch(of: /^\| `([^`]+)` \|/).map { String($0.output.1) }
        }
        #expect(quotes.count >= 5, "expected the quoted log lines, found \(quotes)")
        let lines = try Self.sourceLines()
        for quote in quotes {
            let pattern = try Regex(Self.pattern(of: quote))
            #expect(lines.contains { $0.contains(pattern) }, "deploy/README.md quotes the log line '\(quote)', which no source line writes")
        }
    }

    /// A quoted line as a pattern over a Swift string literal.
    static func pattern(of quote: String) -> String {
        var result = ""
        for word in quote.split(separator: " ", omittingEmptySubsequences: false) {
            if !result.isEmpty { result += " " }
            switch word {
            case "N": result += #"\\\([^)]+\)"#
            default:
                result += NSRegularExpression.escapedPattern(for: String(word)).replacingOccurrences(of: "…", with: ".*")
            }
        }
        return result
    }

    /// Every line of every Swift file under `Sources/`.
    static func sourceLines() throws -> [Substring] {
        let base = DeployFiles.url("Sources")
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
        var lines: [Substring] = []
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            lines += try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        }
        return lines
    }
}
