import Foundation
import Testing

/// Every setting's default is set once, in its configuration struct (`IngressConfiguration`,
/// `WorkerConfiguration`, `LogSetup`, `RedisConfiguration.defaultURL`, `QueueKeys` for the key
/// prefix): the options read it
/// from there and their help texts print it from there. The README's table is checked against
/// the help (`ReadmeTests.settingsTableMatchesTheHelp`), so all three agree.
@Suite("Deploy: setting defaults live in the configuration structs")
struct SettingDefaultsTests {
    /// The files that turn flags and variables into configurations, and state their defaults.
    static let optionFiles = [
        "Sources/anima-ingress/IngressOptions.swift", "Sources/anima-ingress/IngressConfiguration+Options.swift",
        "Sources/anima-worker/WorkerOptions.swift", "Sources/anima-worker/WorkerConfiguration+Options.swift",
        "Sources/AnimaCLI/LogOptions.swift", "Sources/AnimaCLI/LogSetup.swift", "Sources/AnimaCLI/RedisOptions.swift",
        "Sources/AnimaCLI/RedisOptions+Settings.swift",
    ]

    @Test(arguments: optionFiles)
    func noDefaultIsWrittenOutInTheOptions(path: String) throws {
        let lines = try DeployFiles.text(path).split(separator: "\n")
        // A literal after `default:` (the reader's fallback) or after `default ` in a help text.
        let literal = /default:? (?:[0-9]|"|\.seconds|\.milliseconds|\.info|\.text|redis:)/
        let written = lines.filter { $0.contains(literal) }
        #expect(written.isEmpty, "\(path) writes defaults out instead of reading its configuration struct's: \(written)")
    }

    @Test func theHelpStatesTheStructsDefaults() async {
        let help = await HelpTexts.union.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // A few values as the structs hold them, printed through SettingText.
        for stated in [
            "env ANIMA_RETRY_MAX_SECONDS; default 21600", "env ANIMA_MAX_BODY_BYTES; default 1048576",
            "env PORT; default 3000", "env ANIMA_LOG_LEVEL; default info", "env REDIS_URL; default redis://127.0.0.1:6379/0",
        ] {
            #expect(help.contains(stated), "expected '\(stated)' in the --help texts")
        }
    }
}
