import AnimaQueue
import Foundation
import Testing

/// The receipt keeps the ingress's span beside the times, and reads both of its forms.
@Suite("Queue: the trace in a receipt")
struct ReceiptTraceTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func aReceiptWithATraceReadsBackWhole() throws {
        let trace = TraceHeaders(traceparent: Self.traceparent, tracestate: "vendor=a b,other=c")
        let written = Receipt(receivedAt: Date(timeIntervalSince1970: 1_764_000_000.123456), sentAt: 1_764_000_000, trace: trace)
        let read = try #require(Receipt(written.text), "expected \(written.text) to read as a receipt")
        #expect(read == written, "expected \(written), read \(read) from '\(written.text)'")
    }

    @Test func aReceiptWithoutATraceKeepsItsEarlierForm() {
        let receipt = Receipt(receivedAt: Date(timeIntervalSince1970: 1_764_000_000.5), sentAt: 1_764_000_000)
        #expect(receipt.text == "1764000000500.000 1764000000", "expected the two-field form, saw '\(receipt.text)'")
        #expect(Receipt(receipt.text)?.trace == nil, "expected no trace in '\(receipt.text)'")
    }

    @Test func aTraceparentWithASpaceIsNotStored() {
        let receipt = Receipt(receivedAt: Date(), sentAt: 1, trace: TraceHeaders(traceparent: "00-a b"))
        #expect(receipt.trace == nil, "expected no trace stored, saw \(String(describing: receipt.trace))")
    }
}
