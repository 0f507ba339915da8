import AnimaQueue
import AnimaWebhooks
import NIOCore

/// A taken entry as the worker reads it: its header and body, and the event's id and type.
struct ParsedEntry: Sendable {
    let entry: QueueEntry
    let identity: Result<(id: String, type: String), MalformedEventError>

    init(_ stored: ByteBuffer) {
        entry = QueueEntry(stored: stored)
        identity = entry.body.withUnsafeReadableBytes { WebhookEvent.identify(bytes: $0) }
    }

    var eventID: String? {
        if case .success(let identity) = identity { return identity.id }
        return nil
    }
}
