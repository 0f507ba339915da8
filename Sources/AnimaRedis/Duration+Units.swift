/// The conversions every module needs at its edges (Redis timeouts, NIO timers, metrics,
/// logs); `package`, so they are shared inside this package without becoming public API.
extension Duration {
    /// The duration in seconds, as a `Double`.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// Whole nanoseconds, truncated (NIO's `TimeAmount`, metrics).
    package var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
