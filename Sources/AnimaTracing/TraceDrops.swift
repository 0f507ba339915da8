import Synchronization

/// How many spans were dropped instead of exported (the collector down or refusing, the
/// exporter's queue full); told to an observer too, for a metric.
public final class TraceDrops: Sendable {
    private let count = Atomic<Int>(0)
    private let observer: @Sendable (Int) -> Void

    /// - Parameter observer: told of each batch of dropped spans, with their number.
    public init(observer: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.observer = observer
    }

    /// Spans dropped so far.
    public var total: Int { count.load(ordering: .relaxed) }

    func add(_ spans: Int) {
        guard spans > 0 else { return }
        count.add(spans, ordering: .relaxed)
        observer(spans)
    }
}
