import Logging

extension LogEvent {
    /// The handler's metadata with the call's own on top (the call wins on a clash).
    func mergedMetadata(over handlerMetadata: Logger.Metadata) -> Logger.Metadata {
        guard let own = metadata else { return handlerMetadata }
        if handlerMetadata.isEmpty { return own }
        return handlerMetadata.merging(own) { _, new in new }
    }

    /// The same pairs sorted by key, built as one array rather than a merged dictionary (the
    /// text format writes a line per handled event).
    func sortedMetadata(over handlerMetadata: Logger.Metadata) -> [(key: String, value: Logger.Metadata.Value)] {
        guard let own = metadata, !own.isEmpty else { return handlerMetadata.sorted { $0.key < $1.key } }
        var pairs: [(key: String, value: Logger.Metadata.Value)] = []
        pairs.reserveCapacity(own.count + handlerMetadata.count)
        for (key, value) in own { pairs.append((key, value)) }
        for (key, value) in handlerMetadata where own[key] == nil { pairs.append((key, value)) }
        pairs.sort { $0.key < $1.key }
        return pairs
    }
}
