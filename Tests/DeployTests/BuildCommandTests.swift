import Foundation
import Testing

/// The Docker image and `scripts/run` build the release binaries with the same command: both
/// call `scripts/build-release`, and neither runs `swift build -c release` by itself.
@Suite("Deploy: one release build command")
struct BuildCommandTests {
    /// Non-comment lines of a shell script or Dockerfile.
    static func code(_ path: String) throws -> [String] {
        try DeployFiles.text(path).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
    }

    /// The build invocations in `lines`: `scripts/build-release` with its arguments, path
    /// prefixes such as `"$ROOT/` removed, `--show-bin-path` queries left out.
    static func builds(in lines: [String]) -> [String] {
        lines.flatMap { line in
            line.matches(of: /(?:"?\$ROOT\/|\.\/)?scripts\/build-release"?([^&;)"|]*)/).map {
                ("scripts/build-release" + $0.output.1).trimmingCharacters(in: .whitespaces)
            }
        }.filter { !$0.contains("--show-bin-path") }
    }

    @Test func theScriptIsTheReleaseBuild() throws {
        let script = try Self.code("scripts/build-release")
        #expect(
            script.contains { $0.hasPrefix("exec swift build -c release --static-swift-stdlib") },
            "scripts/build-release: expected `exec swift build -c release --static-swift-stdlib`, saw \(script)"
        )
    }

    @Test func dockerfileAndRunScriptBuildTheSameWay() throws {
        let docker = Self.builds(in: try Self.code("deploy/docker/Dockerfile"))
        let run = Self.builds(in: try Self.code("scripts/run"))
        #expect(docker == ["scripts/build-release"], "Dockerfile: expected one `RUN scripts/build-release`, saw \(docker)")
        #expect(run == docker, "scripts/run builds with \(run), the Dockerfile with \(docker)")
    }

    @Test(arguments: ["deploy/docker/Dockerfile", "scripts/run"])
    func noOtherReleaseBuild(path: String) throws {
        let direct = try Self.code(path).filter { $0.contains("swift build") }
        #expect(direct.isEmpty, "\(path) runs swift build itself instead of scripts/build-release: \(direct)")
    }
}
