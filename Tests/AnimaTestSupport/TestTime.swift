import Foundation

/// How much longer than written the tests' time bounds and waits are: `ANIMA_TEST_TIME_SCALE`
/// (default 1). `scripts/sanitize` raises it, since everything runs several times slower under a
/// sanitizer; a scaled bound still checks that a timeout fires or a shutdown is prompt, later.
public enum TestTime {
    public static let scale: Double = {
        guard let text = ProcessInfo.processInfo.environment["ANIMA_TEST_TIME_SCALE"],
            let value = Double(text), value >= 1
        else { return 1 }
        return value
    }()

    /// `duration` stretched by ``scale``: use it for every upper bound on how long something takes.
    public static func scaled(_ duration: Duration) -> Duration {
        scale == 1 ? duration : duration * scale
    }
}
