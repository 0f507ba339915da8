import Foundation
import Hummingbird
import NIOCore

/// `application/x-www-form-urlencoded` pairs, from a query string or a bounded POST body.
struct FormData: Sendable {
    let pairs: [(name: String, value: String)]

    /// The largest form body read; a bigger one is answered 413.
    static let maxBodyBytes = 256 * 1024

    init(encoded: String) {
        pairs = encoded.split(separator: "&").prefix(20_000).compactMap { part in
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(halves[0]) else { return nil }
            return (name: name, value: halves.count > 1 ? Self.decode(halves[1]) ?? "" : "")
        }
    }

    static func query(_ request: Request) -> FormData {
        FormData(encoded: request.uri.query ?? "")
    }

    static func body(_ request: Request) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        return FormData(encoded: String(buffer: buffer))
    }

    /// The first value of `name`.
    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The first value of each name.
    var dictionary: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in pairs where result[name] == nil { result[name] = value }
        return result
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Percent-encodes a query value or a path segment (everything but unreserved characters).
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `path?name=value&…`, values percent-encoded; just `path` without pairs.
    static func link(_ path: String, _ pairs: [(name: String, value: String)]) -> String {
        if pairs.isEmpty { return path }
        return path + "?" + pairs.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
    }
}
