import Foundation
import Testing

/// `WebhookHTTP1Channel.setup` is a copy of Hummingbird's `HTTP1Channel.setup` with our handler
/// added after `HTTPConnectionStateHandler` (Hummingbird's `additionalChannelHandlers` go before
/// it; docs/architecture.md says why that does not do). This fails when the resolved
/// Hummingbird's `setup` is no longer the text the copy was made from: compare the two, carry
/// the change over to `WebhookHTTP1Channel`, then put the new text here.
@Suite("Ingress: the copy of Hummingbird's HTTP/1 channel set-up")
struct HummingbirdSetupCopyTests {
    /// `HTTP1Channel.setup` of Hummingbird 2.28.1, the version the copy was made from.
    static let copiedFrom = """
            public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
                channel.eventLoop.makeCompletedFuture {
                    var decoderLimitsConfiguration = NIOHTTPDecoderLimitConfiguration()
                    decoderLimitsConfiguration.maxHeaderFieldSize = self.configuration.httpDecoder.maxHeaderFieldSize
                    decoderLimitsConfiguration.maxHeaderListSize = self.configuration.httpDecoder.maxHeaderListSize
                    decoderLimitsConfiguration.maxHeaderFieldCount = self.configuration.httpDecoder.maxHeaderFieldCount
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: self.configuration.pipliningAssistance,  // HTTP is pipelined by NIOAsyncChannel
                        withErrorHandling: false,  // We doing the error handling in Application
                        withOutboundHeaderValidation: false,  // Swift HTTP Types are already doing this validation
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimitsConfiguration
                    )
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try channel.pipeline.syncOperations.addHandlers(self.configuration.additionalChannelHandlers())
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPConnectionStateHandler(idleTimeout: self.configuration.idleTimeout.map { .init($0) }, logger: logger)
                    )
                    return try NIOAsyncChannel(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                }
            }
        """

    @Test func hummingbirdsSetupIsTheOneTheCopyWasMadeFrom() throws {
        let file = try #require(Self.hummingbirdFile(), "no checkout of hummingbird found beside the test binary or in .build")
        let source = try String(contentsOf: file, encoding: .utf8)
        let setup = try #require(Self.setupFunction(in: source), "no `public func setup(channel:logger:)` in \(file.path)")
        #expect(
            Self.normalized(setup) == Self.normalized(Self.copiedFrom),
            """
            Hummingbird's HTTP1Channel.setup (\(file.path)) changed since WebhookHTTP1Channel copied it: \
            carry the change over, then update HummingbirdSetupCopyTests.copiedFrom. Now:
            \(setup)
            """
        )
    }

    /// The copy keeps the upstream steps, in order, with our handler after the state handler.
    @Test func theCopyAddsOnlyTheWebhookHandlerAfterTheStateHandler() throws {
        let copy = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/AnimaIngress/WebhookHTTP1Channel.swift"),
            encoding: .utf8
        )
        let steps = [
            "configureHTTPServerPipeline(", "withPipeliningAssistance: false", "withErrorHandling: false",
            "withOutboundHeaderValidation: false", "withDecoderLimitConfiguration: limits", "HTTP1ToHTTPServerCodec(secure: false)",
            "HTTPConnectionStateHandler(idleTimeout:", "WebhookChannelHandler(", "isOutboundHalfClosureEnabled: true",
        ]
        var position = copy.startIndex
        for step in steps {
            let found = try #require(
                copy.range(of: step, range: position..<copy.endIndex),
                "WebhookHTTP1Channel lacks '\(step)' (in order)"
            )
            position = found.upperBound
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `HTTP1Channel.swift` in the checkouts of the build folder this test runs from (`.build`,
    /// `.build-tsan`, …), else of `.build`.
    static func hummingbirdFile() -> URL? {
        let path = "checkouts/hummingbird/Sources/HummingbirdCore/Server/HTTP/HTTP1Channel.swift"
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        let fallback = root.appendingPathComponent(".build/" + path)
        return FileManager.default.fileExists(atPath: fallback.path) ? fallback : nil
    }

    /// The text of `setup(channel:logger:)`, from its signature to its closing brace.
    static func setupFunction(in source: String) -> String? {
        guard let start = source.range(of: "public func setup(channel: any Channel, logger: Logger)") else { return nil }
        var depth = 0
        var index = start.lowerBound
        while index < source.endIndex {
            switch source[index] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return String(source[start.lowerBound...index]) }
            default: break
            }
            index = source.index(after: index)
        }
        return nil
    }

    /// Each line trimmed, blank lines dropped: indentation is not a change.
    static func normalized(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
