import AnimaQueue
import AnimaRedis

extension Worker {
    /// With traces on, the batch with each event's receipt (the ingress's span to join); as it
    /// is otherwise. Traces never hold events up: without an answer from Redis the spans of
    /// this batch start traces of their own.
    func withReceipts(_ batch: [WorkerQueue.Taken<ParsedEntry>]) async -> [WorkerQueue.Taken<ParsedEntry>] {
        guard attemptTracer != nil, !batch.isEmpty else { return batch }
        guard let receipts = try? await queue.receipts(of: batch.map(\.parsed.entry.body)) else { return batch }
        var batch = batch
        for index in batch.indices { batch[index].receipt = receipts[index] }
        return batch
    }
}
