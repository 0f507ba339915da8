/// The HTTP header names Anima signs with.
public enum WebhookHeaders {
    /// Hex HMAC-SHA256 of `"<timestamp>.<raw body>"`.
    public static let signature = "x-anima-signature"
    /// Unix seconds at signing time, plain decimal digits.
    public static let timestamp = "x-anima-timestamp"
}
