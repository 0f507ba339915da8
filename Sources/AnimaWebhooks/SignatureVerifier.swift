import Crypto
public import Foundation

/// Checks that a webhook request was signed by Anima, recently.
///
/// A pure function of the two header values, the raw body, the secrets, the clock reading and
/// the tolerance. Order of checks, as the contract fixes it: the timestamp first (missing,
/// not plain digits, too old or too new → a timestamp failure), then the signature (missing,
/// not 64 hex digits, or matching no secret → a signature failure).
///
/// The signature is compared with swift-crypto's constant-time MAC comparison, against every
/// secret of the rotation list (all of them are computed, whichever matches).
public struct SignatureVerifier: Sendable {
    /// One HMAC per secret, keyed once and copied per request.
    private let keyed: [HMAC<SHA256>]
    /// The largest accepted `|now − timestamp|`.
    public let tolerance: Duration

    /// - Parameters:
    ///   - secrets: every secret currently accepted (rotation: old and new side by side).
    ///   - tolerance: the largest accepted clock difference, into the past or the future.
    public init(secrets: [String], tolerance: Duration = .seconds(300)) {
        precondition(!secrets.isEmpty, "SignatureVerifier needs at least one secret")
        self.keyed = secrets.map { HMAC<SHA256>(key: SymmetricKey(data: Array($0.utf8))) }
        self.tolerance = tolerance
    }

    /// Splits `ANIMA_WEBHOOK_SECRET` on whitespace: `"new old"` accepts both.
    public static func secrets(fromEnvironmentValue value: String) -> [String] {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
    }

    /// Verifies one request.
    /// - Parameters:
    ///   - timestamp: the `x-anima-timestamp` header value, nil when absent.
    ///   - signature: the `x-anima-signature` header value, nil when absent.
    ///   - body: the raw body bytes exactly as received.
    ///   - now: the current time.
    /// - Returns: the accepted timestamp, or why the request is rejected.
    public func verify(
        timestamp: String?,
        signature: String?,
        body: UnsafeRawBufferPointer,
        now: Date
    ) -> Result<Int64, VerificationFailure> {
        guard let rawTimestamp = timestamp else { return .failure(.timestampMissing) }
        let timestampText = Self.trimmed(rawTimestamp)
        guard !timestampText.isEmpty else { return .failure(.timestampMissing) }
        guard timestampText.utf8.count <= 15, timestampText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let seconds = Int64(timestampText)
        else { return .failure(.timestampMalformed) }

        let difference = now.timeIntervalSince1970 - Double(seconds)
        let limit = Double(tolerance.components.seconds) + Double(tolerance.components.attoseconds) / 1e18
        if difference > limit { return .failure(.timestampTooOld(ageSeconds: Int64(difference))) }
        if -difference > limit { return .failure(.timestampInFuture(aheadSeconds: Int64(-difference))) }

        guard let rawSignature = signature else { return .failure(.signatureMissing) }
        let signatureText = Self.trimmed(rawSignature)
        guard !signatureText.isEmpty else { return .failure(.signatureMissing) }
        guard signatureText.utf8.count == 2 * SHA256.byteCount, let expected = Hex.decode(signatureText) else {
            return .failure(.signatureMalformed)
        }

        var matched = false
        for hmac in keyed {
            let mac = WebhookSigner.mac(keyed: hmac, timestamp: timestampText, body: body)
            // `==` between a MAC and bytes is swift-crypto's constant-time comparison.
            if mac == expected { matched = true }
        }
        return matched ? .success(seconds) : .failure(.signatureMismatch)
    }

    /// Convenience for bodies held in an array.
    public func verify(timestamp: String?, signature: String?, body: [UInt8], now: Date) -> Result<Int64, VerificationFailure> {
        body.withUnsafeBytes { verify(timestamp: timestamp, signature: signature, body: $0, now: now) }
    }

    /// HTTP's optional whitespace (space and tab) removed from both ends.
    private static func trimmed(_ value: String) -> Substring {
        var text = Substring(value)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
