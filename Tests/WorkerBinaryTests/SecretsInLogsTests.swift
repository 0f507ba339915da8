import AnimaRedis
import AnimaTestSupport
import Foundation
import Glibc
import Testing

/// No secret, Redis password or full signature ever reaches a log line, in a whole flow at
/// log level trace: ingress, worker (command, forwarding and failing handlers) and admin.
@Suite("Logs: no secrets")
struct SecretsInLogsTests {
    @Test func noSecretPasswordOrSignatureAppearsInAnyOutputOfTheThreeExecutables() async throws {
        let secrets = ["whsec_first_5f0c2a9e71", "whsec_second_b83d44e1c0"]
        let forwardSecret = "fwdsec_7a1e96d2c4f3"
        let password = "redispw_c9e2b7a14d"
        let wrongPassword = "wrongpw_3e8f10b6aa"
        let redis = try await RedisServer(password: password)
        let redisURL = "redis://:\(password)@127.0.0.1:\(redis.port)/0"
        let client = RedisClient(configuration: try RedisConfiguration(url: redisURL))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anima-secrets-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runs = directory.appendingPathComponent("runs.log").path
        let stub = try StubHTTPServer()
        var processes: [ManagedProcess] = []
        try await withCleanup {
            let trace = ["ANIMA_LOG_LEVEL": "trace"]
            let ingress = try await IngressProcess(redisURL: redisURL, secrets: secrets, environment: trace)
            processes.append(ingress.process)
            let worker = try await WorkerProcess(
                redisURL: redisURL,
                handlers: [
                    #"secret.command=cat; echo "$ANIMA_EVENT_ID" >> '\#(runs)'"#,
                    "secret.forward=\(stub.url())",
                    "secret.failing=echo failing; exit 3",
                ],
                environment: PipelineFixture.workerDefaults.merging(
                    ["ANIMA_FORWARD_SECRET": forwardSecret, "ANIMA_MAX_ATTEMPTS": "2", "ANIMA_LOG_LEVEL": "trace"]) { _, new in new }
            )
            processes.append(worker.process)
            try await worker.waitUntilRegistered(client: client)

            // Valid events, signed with each secret, for each handler; then invalid ones.
            var signatures: [String] = []
            var ids: [String] = []
            for (type, secret) in [
                ("secret.command", secrets[0]), ("secret.command", secrets[1]), ("secret.forward", secrets[0]),
                ("secret.failing", secrets[1]),
            ] {
                let event = makeEvent(type)
                let body = Array(event.body.utf8)
                let headers = TestSigning.headers(for: body, secret: secret)
                signatures.append(headers[1].1)
                let answer = try await ingress.http.request("POST", "/webhooks/anima", headers: headers, body: body)
                #expect(answer.status == 200, "\(type) signed with a configured secret: expected 200, saw \(answer)")
                if type != "secret.failing" { ids.append(event.id) }
            }
            let body = Array(makeEvent("secret.command").body.utf8)
            let good = TestSigning.headers(for: body, secret: secrets[0])
            let invalid: [(String, String)] = [
                ("wrong secret", TestSigning.headers(for: body, secret: "whsec_not_configured")[1].1),
                ("other body", TestSigning.headers(for: Array("other".utf8), secret: secrets[0])[1].1),
                ("one digit short", String(good[1].1.dropLast())),
                ("one digit long", good[1].1 + "a"),
            ]
            for (name, signature) in invalid {
                signatures.append(signature)
                let answer = try await ingress.http.request(
                    "POST",
                    "/webhooks/anima",
                    headers: [good[0], ("x-anima-signature", signature)],
                    body: body
                )
                #expect(answer.status == 401, "\(name): expected 401, saw \(answer)")
            }

            // The admin signs a fixed file at a fixed time: its signature is known.
            let adminEvent = makeEvent("secret.command")
            let file = directory.appendingPathComponent("event.json")
            try Data(adminEvent.body.utf8).write(to: file)
            let now = TestSigning.now()
            signatures.append(TestSigning.headers(for: Array(adminEvent.body.utf8), secret: secrets[0], timestamp: now)[1].1)
            let admin = try await AdminProcess.run(
                ["send", "--file", file.path, "--timestamp", String(now), "--url", ingress.baseURL + "/webhooks/anima"],
                environment: ["ANIMA_WEBHOOK_SECRET": secrets.joined(separator: " ")]
            )
            #expect(admin.succeeded, "admin send: \(admin)")
            ids.append(adminEvent.id)
            let stats = try await AdminProcess.run(["stats", "--redis-url", redisURL])
            #expect(stats.succeeded, "admin stats: \(stats)")
            let refused = try await AdminProcess.run(["stats", "--redis-url", "redis://:\(wrongPassword)@127.0.0.1:\(redis.port)/0"])
            #expect(refused.failed, "admin stats with a wrong password: \(refused)")

            // Wait for the flow to finish: handled, forwarded, dead-lettered.
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

            let outputs = [
                ("anima-ingress", ingress.process.standardOutput + ingress.process.standardError),
                ("anima-worker", worker.process.standardOutput + worker.process.standardError),
                ("anima-admin send", admin.standardOutput + admin.standardError),
                ("anima-admin stats", stats.standardOutput + stats.standardError),
                ("anima-admin stats, wrong password", refused.standardOutput + refused.standardError),
            ]
            #expect(outputs[1].1.contains("trace") || outputs[1].1.contains("debug"), "the worker logged nothing below info; is trace on?")
            let forbidden =
                secrets.map { ("webhook secret", $0) } + [
                    ("forward secret", forwardSecret), ("Redis password", password), ("wrong Redis password", wrongPassword),
                ]
                + signatures.map { ("signature", $0) }
            var leaks: [String] = []
            for (process, output) in outputs {
                let lowered = output.lowercased()
                for (what, value) in forbidden where lowered.contains(value.lowercased()) {
                    let line = output.split(separator: "\n").first { $0.lowercased().contains(value.lowercased()) } ?? ""
                    leaks.append("\(process) shows the \(what) \(value): \(line)")
                }
            }
            #expect(leaks.isEmpty, "expected no secret in any output, saw:\n\(leaks.joined(separator: "\n"))")
        } cleanup: {
            for process in processes { await process.terminate(signal: SIGKILL) }
            stub.stop()
            await client.shutdown()
            await redis.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
