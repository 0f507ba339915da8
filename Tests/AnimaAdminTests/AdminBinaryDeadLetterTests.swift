import AnimaTestSupport
import Foundation
import Testing

/// Bodies that are not UTF-8 text: the dead letter keeps the exact bytes and a replay restores them.
@Suite("Admin: binary dead letters")
struct AdminBinaryDeadLetterTests {
    static let binaryBody: [UInt8] =
        Array("{\"id\":\"evt_bin\",\"type\":\"t\",\"data\":\"".utf8) + [0xff, 0xfe, 0x00, 0xc3] + Array("\"}".utf8)

    /// The binary body, dead-lettered as malformed by a real worker (then stopped); its dead_id.
    static func deadLetteredBinary(_ f: PipelineFixture) async throws -> String {
        let worker = try await f.startWorker(["*=builtin:ack"])
        try await f.push(binaryBody)
        try #require(await f.waitForDeadLetters(1), "the binary body was not dead-lettered")
        await worker.stop()
        let letter = try #require(try await f.deadLetters().first.flatMap(jsonObject))
        #expect(letter["event_base64"] as? String == Data(binaryBody).base64EncodedString(), "event_base64: \(letter)")
        return try #require(letter["dead_id"] as? String)
    }

    @Test func replayOfOneRestoresTheExactBytes() async throws {
        try await PipelineFixture.run { f in
            let deadID = try await Self.deadLetteredBinary(f)
            let run = try await f.admin("dlq", "replay", deadID)
            #expect(run.succeeded, "\(run)")
            #expect(try await f.entries() == [Self.binaryBody], "the replayed bytes differ from the body received")
            #expect(try await f.count("anima:dead") == 0)
        }
    }

    @Test func replayAllRestoresTheExactBytesToo() async throws {
        try await PipelineFixture.run { f in
            _ = try await Self.deadLetteredBinary(f)
            let run = try await f.admin("dlq", "replay", "--all")
            #expect(run.succeeded, "\(run)")
            #expect(try await f.entries() == [Self.binaryBody], "expected the exact bytes on anima:events; stdout: \(run.standardOutput)")
            #expect(try await f.count("anima:dead") == 0, "replay --all left the entry in anima:dead")
        }
    }
}
