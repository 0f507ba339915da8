import AnimaTestSupport
import Foundation
import Testing

/// `anima-admin send` against a real ingress.
@Suite("Admin: send")
struct AdminSendTests {
    static let secretEnvironment = ["ANIMA_WEBHOOK_SECRET": IngressProcess.defaultSecret]

    /// Runs `anima-admin send ARGUMENTS --url <ingress>` with the ingress's secret (unless `environment` says otherwise).
    func send(
        _ ingress: IngressProcess,
        _ arguments: [String],
        environment: [String: String] = AdminSendTests.secretEnvironment
    ) async throws -> AdminProcess.Result {
        try await AdminProcess.run(["send"] + arguments + ["--url", ingress.baseURL + "/webhooks/anima"], environment: environment)
    }

    @Test func sendPostsASignedEventWithIdTypeDataAndCreated() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let run = try await send(ingress, ["resource.created", "--data", #"{"name":"anima","n":[1,2]}"#])
            #expect(run.succeeded, "\(run)")
            #expect(run.standardOutput == "200 {\"received\":true}\n", "stdout: \(run.standardOutput)")
            let queued = try await f.entries().map { String(decoding: $0, as: UTF8.self) }
            try #require(queued.count == 1, "expected one queued event, saw \(queued)")
            let event = try #require(jsonObject(queued[0]), "not a JSON object: \(queued[0])")
            #expect((event["id"] as? String)?.isEmpty == false, "id: \(event["id"] ?? "missing")")
            #expect(event["type"] as? String == "resource.created", "type: \(event["type"] ?? "missing")")
            let data = event["data"] as? [String: Any]
            #expect(data?["name"] as? String == "anima" && data?["n"] as? [Int] == [1, 2], "data: \(event["data"] ?? "missing")")
            let created = event["created"] as? String ?? ""
            #expect((try? Date(created, strategy: .iso8601)) != nil, "created is not ISO 8601: \(created)")
        }
    }

    @Test func sendRespectsIdAndCount() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let fixed = try await send(ingress, ["resource.created", "--id", "evt_fixed_1"])
            #expect(fixed.succeeded, "\(fixed)")
            let many = try await send(ingress, ["resource.updated", "--count", "3"])
            #expect(many.succeeded && many.outputLines.count == 3, "\(many)")
            let events = try await f.entries().compactMap { jsonObject(String(decoding: $0, as: UTF8.self)) }
            #expect(events.count == 4, "expected 4 queued events, saw \(events.count)")
            #expect(events.first?["id"] as? String == "evt_fixed_1", "first id: \(events.first?["id"] ?? "missing")")
            let updatedIDs = Set(events.dropFirst().compactMap { $0["id"] as? String })
            #expect(updatedIDs.count == 3, "--count 3 should send 3 distinct ids, saw \(updatedIDs)")
        }
    }

    @Test func wrongSecretPrints401AndFails() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let run = try await send(ingress, ["resource.created"], environment: ["ANIMA_WEBHOOK_SECRET": "whsec_wrong"])
            #expect(run.failed, "expected a non-zero exit: \(run)")
            #expect(run.standardOutput.hasPrefix("401 "), "stdout: \(run.standardOutput)")
            #expect(try await f.count("anima:events") == 0)
        }
    }

    @Test func timestampFarInThePastPrints401AndFails() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let run = try await send(ingress, ["resource.created", "--timestamp", String(TestSigning.now() - 86_400)])
            #expect(run.failed, "expected a non-zero exit: \(run)")
            #expect(run.standardOutput.hasPrefix("401 "), "stdout: \(run.standardOutput)")
        }
    }

    @Test func invalidDataJSONFailsAndSendsNothing() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let run = try await send(ingress, ["resource.created", "--data", "{not json"])
            #expect(run.failed, "expected a non-zero exit: \(run)")
            #expect(run.errorLines.first?.contains("--data") == true, "stderr: \(run.standardError)")
            #expect(try await f.count("anima:events") == 0, "something was sent")
        }
    }

    @Test func missingSecretFailsWithOneClearLine() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let run = try await send(ingress, ["resource.created"], environment: [:])
            #expect(run.failed, "expected a non-zero exit: \(run)")
            #expect(run.errorLines.count == 1, "expected one stderr line, saw \(run.errorLines)")
            #expect(run.errorLines.first?.contains("ANIMA_WEBHOOK_SECRET") == true, "stderr: \(run.standardError)")
            #expect(try await f.count("anima:events") == 0, "something was sent")
        }
    }

    @Test func fileIsSentByteForByte() async throws {
        try await PipelineFixture.run { f in
            let ingress = try await f.startIngress()
            let body = Array("{ \"id\" : \"evt_file\",\n\t\"type\":\"resource.created\", \"data\": {\"é\": \"\\u00e9\"} }\r\n".utf8)
            try Data(body).write(to: URL(fileURLWithPath: f.path("payload.json")))
            let run = try await send(ingress, ["--file", f.path("payload.json")])
            #expect(run.succeeded, "\(run)")
            #expect(try await f.entries() == [body], "the queued body differs from the file")
        }
    }
}
