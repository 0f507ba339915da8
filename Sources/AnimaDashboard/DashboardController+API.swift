import AnimaQueue
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// The JSON API: the same auth and rules as the pages.
extension DashboardController {
    func registerAPI(on router: some RouterMethods<DashboardRequestContext>) {
        router.get("/api/stats") { _, _ in
            let stats = try await QueueStats.read(keys: keys, client: client)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Self.json(data: try encoder.encode(stats))
        }
        router.get("/api/dead") { request, _ in try await apiDead(request) }
        router.get("/api/events/:id") { _, context in
            let status = try await history.status(of: Self.parameter("id", context))
            guard status.isKnown else { return Self.json(["error": "nothing is known of this event"], status: .notFound) }
            return Self.json(status.jsonObject)
        }
        router.post("/api/dead/:id/replay") { _, context in try await apiAct(Self.parameter("id", context), replay: true) }
        router.post("/api/dead/:id/delete") { _, context in try await apiAct(Self.parameter("id", context), replay: false) }
    }

    /// `GET /api/dead?type=T&error=TEXT&since=WHEN&limit=N`: the stored objects, newest first.
    func apiDead(_ request: Request) async throws -> Response {
        let query = FormData.query(request)
        let filter: DeadLetterQuery
        do { filter = try DeadLetterQuery(parameters: query.dictionary) } catch {
            return Self.json(["error": error.description], status: .badRequest)
        }
        guard let limit = query["limit"].map({ Int($0) }) ?? 50, (1...1000).contains(limit) else {
            return Self.json(["error": "limit must be 1…1000"], status: .badRequest)
        }
        let matches = try await scan.run(filter, enough: limit).matches.prefix(limit)
        var body = ByteBuffer(string: "[")
        for (index, entry) in matches.enumerated() {
            if index > 0 { body.writeString(",") }
            body.writeImmutableBuffer(entry.stored)
        }
        body.writeString("]")
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    func apiAct(_ id: String, replay: Bool) async throws -> Response {
        guard let entry = try await scan.find(id) else {
            return Self.json(["ok": false, "error": "no dead letter with dead_id or event id '\(id)'"], status: .notFound)
        }
        let done = try await replay ? deadLetters.replay(entry) : deadLetters.delete(entry)
        guard done else { return Self.json(["ok": false, "error": "the dead letter changed meanwhile"], status: .conflict) }
        return Self.json(["ok": true])
    }
}
