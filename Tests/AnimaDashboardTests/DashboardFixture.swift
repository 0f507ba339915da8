import AnimaDashboard
import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// The dashboard application built by the production builder, driven in-process
/// (`HummingbirdTesting`'s router mode) against a throwaway `redis-server`, plus a client to
/// seed and inspect that Redis.
struct Dashboard {
    let client: any TestClientProtocol
    let redis: RedisClient
    let keys: QueueKeys
    let password: String?

    /// `Authorization: Basic …` for the fixture's password, when it has one.
    var auth: HTTPFields {
        guard let password else { return [:] }
        return [.authorization: "Basic " + Data("admin:\(password)".utf8).base64EncodedString()]
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: auth + headers)
    }

    func post(_ uri: String, form: [(String, String)] = [], headers: HTTPFields = [:]) async throws -> TestResponse {
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var all = auth + headers
        all[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: uri, method: .post, headers: all, body: ByteBuffer(string: body))
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// Adds a dead letter (newest first, as the worker does) and returns it.
    @discardableResult
    func addDeadLetter(
        id: String, type: String = "resource.created", body: String? = nil, error: String = "handler exited 1",
        failedAt: Date = Date()
    ) async throws -> DeadLetter {
        let raw = body ?? #"{"id":"\#(id)","type":"\#(type)","data":{}}"#
        let letter = DeadLetter(id: id, type: type, body: Data(raw.utf8), error: error, attempts: 20, failedAt: failedAt, worker: "w-test")
        _ = try await redis.send(RedisCommand("LPUSH", keys.dead, ByteBuffer(bytes: letter.encoded())))
        return letter
    }

    func count(_ command: String, _ key: String) async throws -> Int {
        try await redis.send(RedisCommand(command, key)).int ?? -1
    }

    /// Records an outcome in the history stream, as a worker does.
    func record(_ record: HistoryRecord) async throws {
        _ = try await redis.send(record.command(keys: keys, maxLength: 1000, digest: nil, final: true))
    }
}

extension HTTPFields {
    static func + (left: HTTPFields, right: HTTPFields) -> HTTPFields {
        var all = left
        for field in right { all.append(field) }
        return all
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var location: String { headers[.location] ?? "" }
}

/// Runs `body` against a dashboard on a fresh Redis; the Redis client and server are closed
/// afterwards whatever happens.
func withDashboard(
    password: String? = nil, readOnly: Bool = false, basePath: String = "",
    _ body: @Sendable @escaping (Dashboard) async throws -> Void
) async throws {
    let server = try await RedisServer()
    let redisConfiguration = try RedisConfiguration(url: server.url)
    let keys = QueueKeys(prefix: "dash")
    let configuration = DashboardConfiguration(
        port: 0, basePath: basePath, password: password, readOnly: readOnly, redis: redisConfiguration, keyPrefix: keys.prefix
    )
    let app = try buildDashboardApplication(configuration: configuration, logger: Logger(label: "dashboard-test"))
    let redis = RedisClient(configuration: redisConfiguration)
    do {
        try await app.test(.router) { client in
            try await body(Dashboard(client: client, redis: redis, keys: keys, password: password))
        }
    } catch {
        await redis.shutdown()
        await server.stop()
        throw error
    }
    await redis.shutdown()
    await server.stop()
}
