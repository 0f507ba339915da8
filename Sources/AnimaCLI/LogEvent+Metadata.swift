import Logging

extension LogEvent {
    /// The handler's metadata with the call's own on top (the call wins on a clash).
    func mergedMetadata(over handlerMetadata: Logger.Metadata) -> Logger.Metadata {
        guard let own = metadata else { return handlerMetadata }
        if handlerMetadata.isEmpty { return own }
        return handlerMetadata.merging(own) { _, new in new }
    }
}
