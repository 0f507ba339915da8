import Logging
import Testing

@testable import AnimaCLI

@Suite("Logs: the text line's metadata")
struct TextLogLineTests {
    private static func event(_ metadata: Logger.Metadata?) -> LogEvent {
        LogEvent(level: .info, message: "handled", metadata: metadata, source: "test", file: #fileID, function: #function, line: #line)
    }

    @Test func aLineReadsAsStreamLogHandlersAfterItsTime() {
        var handler = TextLogHandler(label: "anima-worker")
        handler.metadata = ["anima.worker": "w1"]
        let line = String(
            decoding: handler.line(for: Self.event(["anima.result": "ok", "anima.event.attempt": .stringConvertible(2)])), as: UTF8.self)
        let expected = " info anima-worker: anima.event.attempt=2 anima.result=ok anima.worker=w1 [test] handled\n"
        #expect(line.hasSuffix(expected), "expected the line to end \(expected.debugDescription), saw \(line.debugDescription)")
        #expect(line.count == LogClock.local.text().count + expected.count, "expected the time, then that; saw \(line.debugDescription)")
    }

    @Test func keysComeSortedAcrossTheHandlersAndTheCallsMetadata() {
        let pairs = Self.event(["anima.result": "ok", "anima.event.id": "evt_1"]).sortedMetadata(over: ["anima.worker": "w1", "a": "first"])
        let keys = pairs.map(\.key)
        #expect(keys == ["a", "anima.event.id", "anima.result", "anima.worker"], "expected the keys sorted, saw \(keys)")
    }

    @Test func theCallsValueWinsOverTheHandlersForTheSameKey() {
        let pairs = Self.event(["anima.worker": "from the call"]).sortedMetadata(over: ["anima.worker": "from the handler"])
        let seen = pairs.map { "\($0.key)=\($0.value)" }
        #expect(seen == ["anima.worker=from the call"], "expected one pair with the call's value, saw \(seen)")
    }

    @Test func withoutMetadataOfItsOwnALineHasTheHandlersSorted() {
        let keys = Self.event(nil).sortedMetadata(over: ["b": "2", "a": "1"]).map(\.key)
        #expect(keys == ["a", "b"], "expected the handler's keys sorted, saw \(keys)")
    }
}
