import AnimaCLI
import AnimaWebhooks
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `anima-admin send TYPE`: builds, signs and POSTs test events exactly as Anima does.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Sign and POST a test event (or a payload file) to the ingress."
    )

    @Argument(help: "The event type, e.g. resource.created (not needed with --file).")
    var type: String?
    @Option(help: "The event's data as JSON (default {}).")
    var data: String = "{}"
    @Option(help: "The event id (default: random evt_…).")
    var id: String?
    @Option(help: "Where to POST (default http://127.0.0.1:3000/webhooks/anima).")
    var url: String = "http://127.0.0.1:3000/webhooks/anima"
    @Option(help: "Signing secret (default: the first secret of ANIMA_WEBHOOK_SECRET). Prefer the variable: flags show in ps.")
    var secret: String?
    @Option(help: "Send this file's bytes unchanged as the body (to reproduce a production payload).")
    var file: String?
    @Option(help: "Sign with this Unix time instead of now (to test the tolerance).")
    var timestamp: Int64?
    @Option(help: "Send this many events.")
    var count: Int = 1
    /// Accepted like on every subcommand, so scripts can pass the shared options uniformly;
    /// `send` talks HTTP only.
    @OptionGroup var redis: RedisOptions

    func validate() throws {
        if file == nil && type == nil { throw ValidationError("give an event TYPE, or --file PATH") }
        if count < 1 { throw ValidationError("--count must be at least 1") }
        if file == nil {
            guard (try? JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed])) != nil else {
                throw ValidationError("--data is not valid JSON: \(data)")
            }
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard
            let secret = secret
                ?? environment["ANIMA_WEBHOOK_SECRET"].flatMap({ SignatureVerifier.secrets(fromEnvironmentValue: $0).first })
        else {
            throw AdminFailure("no secret: set ANIMA_WEBHOOK_SECRET or pass --secret")
        }
        var fixedBody: Data?
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else { throw AdminFailure("cannot read --file \(file)") }
            fixedBody = contents
        }
        let signer = WebhookSigner(secret: secret)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var failures = 0
        do {
            for _ in 0..<count {
                let body = fixedBody ?? Data(eventJSON().utf8)
                let signedAt = timestamp ?? Int64(Date().timeIntervalSince1970)
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.headers.add(name: WebhookHeaders.timestamp, value: String(signedAt))
                request.headers.add(
                    name: WebhookHeaders.signature,
                    value: body.withUnsafeBytes { signer.signature(timestamp: signedAt, body: $0) }
                )
                request.body = .bytes(ByteBuffer(data: body))
                let response = try await client.execute(request, timeout: .seconds(30))
                let answer = try await response.body.collect(upTo: 1 << 20)
                print("\(response.status.code) \(String(buffer: answer))")
                if !(200..<300).contains(response.status.code) { failures += 1 }
            }
        } catch {
            try? await client.shutdown()
            throw AdminFailure("could not POST to \(url): \(error)")
        }
        try? await client.shutdown()
        if failures > 0 { throw ExitCode.failure }
    }

    /// `{"id","type","data","created"}` with `data` inserted as given.
    private func eventJSON() -> String {
        let eventID = id ?? "evt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        let created = Date().formatted(.iso8601)
        return #"{"id":\#(quoted(String(eventID))),"type":\#(quoted(type ?? "")),"data":\#(data),"created":"\#(created)"}"#
    }

    private func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
