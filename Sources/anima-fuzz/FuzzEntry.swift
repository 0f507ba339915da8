// The libFuzzer entry for the parsers that see untrusted bytes: the signature and timestamp
// headers (`SignatureVerifier.verify`), the event-identity scanner (`WebhookEvent.identify`,
// `EventFieldLocations.locate`),
// the queue entry header (`QueueEntry(stored:)`) and `RedisConfiguration(url:)`.
//
// Built only by `scripts/fuzz` (with `-DANIMA_FUZZ -sanitize=fuzzer,address`); a plain
// `swift build` compiles the stub `main` below, which only says how to run it.
#if ANIMA_FUZZ
import AnimaQueue
import AnimaRedis
import AnimaWebhooks
import Foundation
import NIOCore

private let secrets = ["whsec_fuzz_first", "whsec_fuzz_second"]
private let verifier = SignatureVerifier(secrets: secrets, tolerance: .seconds(300))
/// A fixed clock: the corpus carries timestamps near it.
private let now = Date(timeIntervalSince1970: 1_700_000_000)

/// The input is `TIMESTAMP \n SIGNATURE \n BODY`; with fewer newlines the missing headers are
/// absent (nil). Every function must return without crashing; the checks are oracles.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = input.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
    let timestamp = parts.count > 1 ? String(decoding: parts[0], as: UTF8.self) : nil
    let signature = parts.count > 2 ? String(decoding: parts[1], as: UTF8.self) : nil
    let body = Array(parts.last ?? [])
    fuzzSignature(timestamp: timestamp, signature: signature, body: body)
    for bytes in [input, body] { fuzzIdentify(bytes) }
    fuzzLocate(body)
    fuzzQueueEntry(input: input, body: body)
    // Redis URLs: any text either parses or throws.
    _ = try? RedisConfiguration(url: String(decoding: input, as: UTF8.self))
    if let timestamp { _ = try? RedisConfiguration(url: timestamp) }
    return 0
}

/// The headers as given, at the fixed clock, and at the clock of the timestamp itself (so that
/// a parsable timestamp always reaches the signature check).
private func fuzzSignature(timestamp: String?, signature: String?, body: [UInt8]) {
    if case .success = verifier.verify(timestamp: timestamp, signature: signature, body: body, now: now) {
        check(signature != nil, "accepted without a signature")
    }
    guard let timestamp, let seconds = Int64(timestamp.trimmingCharacters(in: .whitespaces)), seconds >= 0,
        seconds <= 999_999_999_999_999  // the verifier takes at most 15 digits
    else { return }
    let then = Date(timeIntervalSince1970: Double(seconds))
    _ = verifier.verify(timestamp: timestamp, signature: signature, body: body, now: then)
    // Round trip: the signature of each secret over this body verifies; a changed one does not.
    for secret in secrets {
        let good = WebhookSigner(secret: secret).signature(timestamp: seconds, body: body)
        let result = verifier.verify(timestamp: String(seconds), signature: good, body: body, now: then)
        check((try? result.get()) == seconds, "a correct signature was rejected: \(result)")
        let flipped = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
        let bad = verifier.verify(timestamp: String(seconds), signature: flipped, body: body, now: then)
        check((try? bad.get()) == nil, "a wrong signature was accepted")
    }
}

/// The event-identity scanner reads the same from `Data` and from raw bytes.
private func fuzzIdentify(_ bytes: [UInt8]) {
    let fromData = WebhookEvent.identify(Data(bytes))
    let fromBytes = bytes.withUnsafeBytes { WebhookEvent.identify(bytes: $0) }
    switch (fromData, fromBytes) {
    case (.success(let a), .success(let b)): check(a.id == b.id && a.type == b.type, "identify differs by input form")
    case (.failure, .failure): break
    default: check(false, "identify differs by input form")
    }
    if case .success(let event) = fromBytes {
        check(!event.id.isEmpty && !event.type.isEmpty, "identified an empty id or type")
    }
}

/// The field locator (the ordered take's hints): what it locates is where it says, and its id
/// is the one identify reads.
private func fuzzLocate(_ body: [UInt8]) {
    for path in [["data", "key"], ["id"]].map({ $0.map { Array($0.utf8) } }) {
        guard let found = body.withUnsafeBytes({ EventFieldLocations.locate(in: $0, path: path) }) else { continue }
        check(found.id.lowerBound >= 0 && found.id.upperBound <= body.count && found.id.count > 2, "id token out of place")
        let idToken = body[found.id]
        check(idToken.first == UInt8(ascii: "\"") && idToken.last == UInt8(ascii: "\""), "id token is not a string")
        let identified = body.withUnsafeBytes { WebhookEvent.identify(bytes: $0) }
        check(
            (try? identified.get().id).map { Array($0.utf8) } == Array(idToken.dropFirst().dropLast()),
            "locate and identify read different ids")
        switch found.value {
        case .string(let range):
            check(
                range.upperBound <= body.count && range.count > 2 && body[range.lowerBound] == UInt8(ascii: "\""), "key token out of place")
        case .integer(let range):
            check(range.lowerBound > 0 && range.upperBound < body.count && !range.isEmpty, "integer key out of place")
        case .absent: break
        }
    }
}

/// Queue entries: any stored bytes parse; an encoded entry round-trips.
private func fuzzQueueEntry(input: [UInt8], body: [UInt8]) {
    let entry = QueueEntry(stored: ByteBuffer(bytes: input))
    check(entry.body.readableBytes <= input.count && entry.attempts >= 0, "queue entry larger than its input")
    let attempts = input.count % 1000
    let encoded = QueueEntry(stored: QueueEntry.encode(body: ByteBuffer(bytes: body), attempts: attempts))
    check(encoded.attempts == attempts && Array(buffer: encoded.body) == body, "queue entry did not round-trip")
}

/// libFuzzer's driver, from the runtime that `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable with `main` aliased to `<module>_main`: this one hands the
/// command line to libFuzzer's driver (libFuzzer's own `main` is then not linked).
@_cdecl("anima_fuzz_main")
public func animaFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput)
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz oracle: \(message())") }
}
#else
@main
enum AnimaFuzz {
    static func main() {
        print("anima-fuzz is built for fuzzing only: run scripts/fuzz")
    }
}
#endif
