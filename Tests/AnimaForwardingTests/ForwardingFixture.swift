import AnimaTestSupport
import Foundation

typealias Answer = StubHTTPServer.Answer

/// Runs `body` with a throwaway Redis, a ``StubHTTPServer`` scripted with `answers` (then
/// `otherwise`), and a real `anima-worker` forwarding `resource.created` to the stub's `/hook`
/// with `environment` over the pipeline defaults. Everything is stopped afterwards.
func withForwarding(
    answers: [Answer] = [],
    otherwise: Answer = .ok,
    environment: [String: String] = [:],
    _ body: (PipelineFixture, StubHTTPServer) async throws -> Void
) async throws {
    try await PipelineFixture.run { f in
        try await StubHTTPServer.run(answers: answers, otherwise: otherwise) { stub in
            try await f.startWorker(["resource.created=\(stub.url())"], environment: environment)
            try await body(f, stub)
        }
    }
}

extension PipelineFixture {
    /// The delays the worker chose after its failed attempts, as the history records them
    /// (`due_at − at` of each `retry` outcome, in ms), oldest first: what the worker decided,
    /// whatever the machine's load did to the moment the retry ran.
    func retryDelays() async throws -> [Int64] {
        try await history().compactMap { record in
            guard record["result"] as? String == "retry", let at = (record["at"] as? NSNumber)?.int64Value,
                let due = (record["due_at"] as? NSNumber)?.int64Value
            else { return nil }
            return due - at
        }
    }

    /// The `error` of the only dead letter, once there is one (waits at most `timeout`).
    func onlyDeadLetterError(timeout: Duration = .seconds(10)) async throws -> String? {
        guard await waitForDeadLetters(1, timeout: timeout) else { return nil }
        let letters = try await deadLetters()
        guard letters.count == 1, let letter = jsonObject(letters[0]) else { return nil }
        return letter["error"] as? String
    }
}

/// `date` as an HTTP date (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
}

/// The time between the first two requests.
func gapBetweenFirstTwo(_ requests: [StubHTTPServer.Request]) -> Duration? {
    requests.count >= 2 ? requests[1].receivedAt - requests[0].receivedAt : nil
}
