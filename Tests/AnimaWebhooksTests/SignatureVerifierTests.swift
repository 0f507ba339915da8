import AnimaWebhooks
import Foundation
import Testing

@Suite("SignatureVerifier")
struct SignatureVerifierTests {
    typealias V = OpenSSLVectors
    let verifier = SignatureVerifier(secrets: [V.secret], tolerance: .seconds(300))
    let body = Array(V.body.utf8)
    /// The clock reading a test verifies at: the vectors' own timestamp, unless said otherwise.
    let signedAt = Date(timeIntervalSince1970: TimeInterval(V.timestamp))

    func verify(
        timestamp: String? = String(V.timestamp),
        signature: String? = V.signature,
        body: [UInt8]? = nil,
        now: Date? = nil,
        with verifier: SignatureVerifier? = nil
    ) -> Result<Int64, VerificationFailure> {
        (verifier ?? self.verifier).verify(
            timestamp: timestamp,
            signature: signature,
            body: body ?? self.body,
            now: now ?? signedAt
        )
    }

    // MARK: Accepted

    @Test func lowerCaseHexSignatureFromOpenSSLIsAccepted() {
        let result = verify()
        #expect(result == .success(V.timestamp), "expected success(\(V.timestamp)), saw \(result)")
    }

    @Test func upperCaseHexSignatureIsAccepted() {
        let result = verify(signature: V.signature.uppercased())
        #expect(result == .success(V.timestamp), "expected success, saw \(result)")
    }

    @Test func everySecretOfARotationListIsAccepted() {
        let rotating = SignatureVerifier(secrets: ["new_secret", "old_secret"])
        for signature in [V.newSecretSignature, V.oldSecretSignature] {
            let result = verify(signature: signature, with: rotating)
            #expect(result == .success(V.timestamp), "expected success for \(signature.prefix(8))…, saw \(result)")
        }
    }

    @Test func rotationListIsSplitOnWhitespace() {
        let secrets = SignatureVerifier.secrets(fromEnvironmentValue: " new_secret\told_secret \n third ")
        #expect(secrets == ["new_secret", "old_secret", "third"], "saw \(secrets)")
    }

    @Test func binaryBodyOfAllByteValuesIsAccepted() {
        let result = verify(signature: V.binaryBodySignature, body: V.allBytes)
        #expect(result == .success(V.timestamp), "expected success, saw \(result)")
    }

    @Test func emptyBodyIsSignedAsTimestampAndDot() {
        let result = verify(signature: V.emptyBodySignature, body: [])
        #expect(result == .success(V.timestamp), "expected success, saw \(result)")
    }

    @Test func timestampWithSurroundingSpacesIsTrimmed() {
        // The signed payload uses the trimmed value, as HTTP strips optional whitespace.
        let result = verify(timestamp: " \(V.timestamp)\t ")
        #expect(result == .success(V.timestamp), "expected success, saw \(result)")
    }

    @Test func timestampExactlyAtTheToleranceEdgeIsAccepted() {
        for offset in [-300.0, 300.0] {
            let result = verify(now: signedAt.addingTimeInterval(offset))
            #expect(result == .success(V.timestamp), "now = signed \(offset) s: expected success, saw \(result)")
        }
    }

    // MARK: Signature failures

    @Test func wrongSecretIsAMismatch() {
        let result = verify(with: SignatureVerifier(secrets: ["another_secret"]))
        #expect(result == .failure(.signatureMismatch), "saw \(result)")
    }

    @Test func bodyChangedByOneByteIsAMismatch() {
        var changed = body
        changed[changed.count - 3] ^= 0x01
        let result = verify(body: changed)
        #expect(result == .failure(.signatureMismatch), "saw \(result)")
    }

    @Test func bodyWithOneByteAppendedIsAMismatch() {
        let result = verify(body: body + [0x0a])
        #expect(result == .failure(.signatureMismatch), "saw \(result)")
    }

    @Test func signatureOfAnotherTimestampIsAMismatch() {
        let result = verify(timestamp: String(V.timestamp + 1))
        #expect(result == .failure(.signatureMismatch), "saw \(result)")
    }

    @Test func missingSignatureIsRejected() {
        let result = verify(signature: nil)
        #expect(result == .failure(.signatureMissing), "saw \(result)")
    }

    @Test func emptySignatureIsRejected() {
        for signature in ["", "   "] {
            let result = verify(signature: signature)
            #expect(result == .failure(.signatureMissing), "signature '\(signature)': saw \(result)")
        }
    }

    @Test(arguments: [
        String(OpenSSLVectors.signature.dropLast()),  // 63 hex digits
        OpenSSLVectors.signature + "0",  // 65 hex digits
        String(OpenSSLVectors.signature.dropLast(2)),  // 62: even but short
        OpenSSLVectors.signature + "00",  // 66
        "sha256=" + OpenSSLVectors.signature,
        String(OpenSSLVectors.signature.dropLast()) + "g",  // 64 characters, one not hex
        String(repeating: "z", count: 64),
        String(OpenSSLVectors.signature.dropLast(2)) + "é",  // 64 UTF-8 bytes? no: 63 chars, 64 bytes
    ])
    func malformedSignatureIsRejected(signature: String) {
        let result = verify(signature: signature)
        #expect(result == .failure(.signatureMalformed), "signature '\(signature)': saw \(result)")
    }

    @Test func wellFormedButWrongSignatureIsAMismatch() {
        let wrong = String(V.signature.dropLast()) + (V.signature.last == "0" ? "1" : "0")
        let result = verify(signature: wrong)
        #expect(result == .failure(.signatureMismatch), "saw \(result)")
    }

    @Test func allZeroSignatureIsAMismatch() {
        let result = verify(signature: String(repeating: "0", count: 64))
        #expect(result == .failure(.signatureMismatch), "saw \(result)")
    }

    // MARK: Timestamp failures

    @Test func missingTimestampIsRejected() {
        let result = verify(timestamp: nil)
        #expect(result == .failure(.timestampMissing), "saw \(result)")
    }

    @Test func emptyTimestampIsRejected() {
        for timestamp in ["", "  ", "\t"] {
            let result = verify(timestamp: timestamp)
            #expect(result == .failure(.timestampMissing), "timestamp '\(timestamp)': saw \(result)")
        }
    }

    @Test(arguments: [
        "-5", "+5", "1.5", "0x10", "1700000000.0", "1e9", "17 00", "abc", "１７", "1700000000a",
        String(repeating: "9", count: 40), String(repeating: "0", count: 30) + "1700000000",
        "-1700000000", "+1700000000",
    ])
    func nonDigitTimestampIsMalformed(timestamp: String) {
        // Signed correctly for this very timestamp text, so only the format can fail it.
        let signature = WebhookSigner(secret: V.secret).signature(timestamp: 0, body: body)
        let result = verify(timestamp: timestamp, signature: signature)
        #expect(result == .failure(.timestampMalformed), "timestamp '\(timestamp)': saw \(result)")
    }

    @Test func timestampJustBeyondTheToleranceInThePastIsTooOld() {
        let result = verify(now: signedAt.addingTimeInterval(301))
        guard case .failure(.timestampTooOld) = result else {
            Issue.record("expected timestampTooOld, saw \(result)")
            return
        }
    }

    @Test func timestampJustBeyondTheToleranceInTheFutureIsRejected() {
        let result = verify(now: signedAt.addingTimeInterval(-301))
        guard case .failure(.timestampInFuture) = result else {
            Issue.record("expected timestampInFuture, saw \(result)")
            return
        }
    }

    @Test func veryOldTimestampIsTooOld() {
        let result = verify(timestamp: "0", signature: WebhookSigner(secret: V.secret).signature(timestamp: 0, body: body))
        guard case .failure(.timestampTooOld) = result else {
            Issue.record("expected timestampTooOld, saw \(result)")
            return
        }
    }

    @Test func fractionalToleranceIsHonoured() {
        let strict = SignatureVerifier(secrets: [V.secret], tolerance: .milliseconds(500))
        let inside = verify(now: signedAt.addingTimeInterval(0.4), with: strict)
        let outside = verify(now: signedAt.addingTimeInterval(0.6), with: strict)
        #expect(inside == .success(V.timestamp), "0.4 s with 0.5 s tolerance: saw \(inside)")
        #expect(outside.isTimestampFailure, "0.6 s with 0.5 s tolerance: expected a timestamp failure, saw \(outside)")
    }

    // MARK: Order of checks

    @Test(arguments: [nil, "", "-5", "abc", "1699999000"] as [String?])
    func badTimestampWinsOverBadSignature(timestamp: String?) {
        for signature in [nil, "", "nothex", String(repeating: "0", count: 64)] as [String?] {
            let result = verify(timestamp: timestamp, signature: signature)
            #expect(
                result.isTimestampFailure,
                "timestamp \(timestamp.debugDescription), signature \(signature.debugDescription): expected a timestamp failure, saw \(result)"
            )
        }
    }

    @Test func failuresMapToTheContractsTwoAnswers() {
        #expect(VerificationFailure.timestampMalformed.responseMessage == "Timestamp outside tolerance")
        #expect(VerificationFailure.timestampTooOld(ageSeconds: 400).responseMessage == "Timestamp outside tolerance")
        #expect(VerificationFailure.signatureMalformed.responseMessage == "Invalid signature")
        #expect(VerificationFailure.signatureMismatch.responseMessage == "Invalid signature")
    }
}

extension Result where Failure == VerificationFailure {
    var isTimestampFailure: Bool {
        if case .failure(let failure) = self { return failure.isTimestampFailure }
        return false
    }
}
