import AnimaRedis
import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// No secret, Redis password or full signature ever reaches a log line, in a whole flow at
/// log level trace: ingress, worker (command, forwarding and failing handlers) and admin.
@Suite("Logs: no secrets")
struct SecretsInLogsTests {
    static let secrets = ["whsec_first_5f0c2a9e71", "whsec_second_b83d44e1c0"]
    static let forwardSecret = "fwdsec_7a1e96d2c4f3"
    static let password = "redispw_c9e2b7a14d"
    static let wrongPassword = "wrongpw_3e8f10b6aa"

    @Test func noSecretPasswordOrSignatureAppearsInAnyOutputOfTheThreeExecutables() async throws {
        let redis = try await RedisServer(password: Self.password)
        let redisURL = "redis://:\(Self.password)@127.0.0.1:\(redis.port)/0"
        let client = RedisClient(configuration: try RedisConfiguration(url: redisURL))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anima-secrets-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runs = directory.appendingPathComponent("runs.log").path
        let stub = try StubHTTPServer()
        var processes: [ManagedProcess] = []
        try await withCleanup {
            let ingress = try await IngressProcess(redisURL: redisURL, secrets: Self.secrets, environment: ["ANIMA_LOG_LEVEL": "trace"])
            processes.append(ingress.process)
            let worker = try await WorkerProcess(
                redisURL: redisURL,
                handlers: [
                    #"secret.command=cat; echo "$ANIMA_EVENT_ID" >> '\#(runs)'"#,
                    "secret.forward=\(stub.url())",
                    "secret.failing=echo failing; exit 3",
                ],
                environment: PipelineFixture.workerDefaults.merging(
                    ["ANIMA_FORWARD_SECRET": Self.forwardSecret, "ANIMA_MAX_ATTEMPTS": "2", "ANIMA_LOG_LEVEL": "trace"]) { _, new in new }
            )
            processes.append(worker.process)
            try await worker.waitUntilRegistered(client: client)

            var (ids, signatures) = try await sendSignedEvents(to: ingress)
            signatures += try await sendWronglySignedEvents(to: ingress)
            let admin = try await runAdmin(ingress: ingress, redisPort: redis.port, redisURL: redisURL, directory: directory)
            ids.append(admin.eventID)
            signatures.append(admin.signature)

            let done = await eventually(timeout: .seconds(15), interval: .milliseconds(50)) {
                for id in ids where (try? await client.send(RedisCommand("GET", "anima:event:\(id)")).string) != "done" { return false }
                return (try? await client.send(RedisCommand("LLEN", "anima:dead")).int) == 1
            }
            #expect(
                done,
                "the flow did not finish: runs \((try? String(contentsOfFile: runs, encoding: .utf8)) ?? ""), forwarded \(stub.requests.count); worker stderr:\n\(worker.process.standardError.suffix(3000))"
            )
            signatures += stub.requests.compactMap { $0.header("x-anima-signature") }
            #expect(stub.requests.allSatisfy { $0.header("x-anima-signature") != nil }, "a forwarded request was not signed")
            await worker.stop()
            await ingress.stop()

            let outputs =
                [
                    ("anima-ingress", ingress.process.standardOutput + ingress.process.standardError),
                    ("anima-worker", worker.process.standardOutput + worker.process.standardError),
                ] + admin.outputs
            #expect(outputs[1].1.contains("trace") || outputs[1].1.contains("debug"), "the worker logged nothing below info; is trace on?")
            let leaks = Self.leaks(in: outputs, signatures: signatures)
            #expect(leaks.isEmpty, "expected no secret in any output, saw:\n\(leaks.joined(separator: "\n"))")
        } cleanup: {
            for process in processes { await process.terminate(signal: SIGKILL) }
            stub.stop()
            await client.shutdown()
            await redis.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Valid events, signed with each secret, for each handler: the ids that end done, and the
    /// signatures sent.
    private func sendSignedEvents(to ingress: IngressProcess) async throws -> (ids: [String], signatures: [String]) {
        var signatures: [String] = []
        var ids: [String] = []
        let sends = [
            ("secret.command", Self.secrets[0]), ("secret.command", Self.secrets[1]), ("secret.forward", Self.secrets[0]),
            ("secret.failing", Self.secrets[1]),
        ]
        for (type, secret) in sends {
            let event = makeEvent(type)
            let body = Array(event.body.utf8)
            let headers = TestSigning.headers(for: body, secret: secret)
            signatures.append(headers[1].1)
            let answer = try await ingress.http.request("POST", "/webhooks/anima", headers: headers, body: body)
            #expect(answer.status == 200, "\(type) signed with a configured secret: expected 200, saw \(answer)")
            if type != "secret.failing" { ids.append(event.id) }
        }
        return (ids, signatures)
    }

    /// Signatures that are wrong in four ways, each refused with 401; the signatures sent.
    private func sendWronglySignedEvents(to ingress: IngressProcess) async throws -> [String] {
        let body = Array(makeEvent("secret.command").body.utf8)
        let good = TestSigning.headers(for: body, secret: Self.secrets[0])
        let invalid: [(String, String)] = [
            ("wrong secret", TestSigning.headers(for: body, secret: "whsec_not_configured")[1].1),
            ("other body", TestSigning.headers(for: Array("other".utf8), secret: Self.secrets[0])[1].1),
            ("one digit short", String(good[1].1.dropLast())),
            ("one digit long", good[1].1 + "a"),
        ]
        for (name, signature) in invalid {
            let answer = try await ingress.http.request(
                "POST", "/webhooks/anima", headers: [good[0], ("x-anima-signature", signature)], body: body)
            #expect(answer.status == 401, "\(name): expected 401, saw \(answer)")
        }
        return invalid.map(\.1)
    }

    /// What the admin's runs left: the event it sent, that event's signature, and each run's
    /// output.
    private struct AdminRuns {
        let eventID: String
        let signature: String
        let outputs: [(String, String)]
    }

    /// The admin sends a fixed file at a fixed time (so its signature is known), reads the stats,
    /// and is refused with a wrong Redis password.
    private func runAdmin(ingress: IngressProcess, redisPort: Int, redisURL: String, directory: URL) async throws -> AdminRuns {
        let event = makeEvent("secret.command")
        let file = directory.appendingPathComponent("event.json")
        try Data(event.body.utf8).write(to: file)
        let now = TestSigning.now()
        let signature = TestSigning.headers(for: Array(event.body.utf8), secret: Self.secrets[0], timestamp: now)[1].1
        let send = try await AdminProcess.run(
            ["send", "--file", file.path, "--timestamp", String(now), "--url", ingress.baseURL + "/webhooks/anima"],
            environment: ["ANIMA_WEBHOOK_SECRET": Self.secrets.joined(separator: " ")]
        )
        #expect(send.succeeded, "admin send: \(send)")
        let stats = try await AdminProcess.run(["stats", "--redis-url", redisURL])
        #expect(stats.succeeded, "admin stats: \(stats)")
        let refused = try await AdminProcess.run(["stats", "--redis-url", "redis://:\(Self.wrongPassword)@127.0.0.1:\(redisPort)/0"])
        #expect(refused.failed, "admin stats with a wrong password: \(refused)")
        return AdminRuns(
            eventID: event.id, signature: signature,
            outputs: [
                ("anima-admin send", send.standardOutput + send.standardError),
                ("anima-admin stats", stats.standardOutput + stats.standardError),
                ("anima-admin stats, wrong password", refused.standardOutput + refused.standardError),
            ])
    }

    /// One line per secret, password or signature found in an output (case-insensitively).
    private static func leaks(in outputs: [(String, String)], signatures: [String]) -> [String] {
        let forbidden =
            secrets.map { ("webhook secret", $0) }
            + [("forward secret", forwardSecret), ("Redis password", password), ("wrong Redis password", wrongPassword)]
            + signatures.map { ("signature", $0) }
        var leaks: [String] = []
        for (process, output) in outputs {
            let lowered = output.lowercased()
            for (what, value) in forbidden where lowered.contains(value.lowercased()) {
                let line = output.split(separator: "\n").first { $0.lowercased().contains(value.lowercased()) } ?? ""
                leaks.append("\(process) shows the \(what) \(value): \(line)")
            }
        }
        return leaks
    }
}
