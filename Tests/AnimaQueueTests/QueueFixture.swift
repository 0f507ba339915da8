import AnimaQueue
import AnimaRedis
import AnimaTestSupport

/// The worker id of ``withQueue(_:)``'s queue.
let queueFixtureWorker = "w-test"

/// A ``WorkerQueue`` for worker `w-test` on a fresh Redis, and a client to look at it; both
/// clients are shut down afterwards whatever happens.
func withQueue(_ body: (WorkerQueue, RedisClient) async throws -> Void) async throws {
    let server = try await RedisServer()
    let configuration = try RedisConfiguration(url: server.url)
    let operations = RedisClient(configuration: configuration)
    let fetcher = RedisClient(configuration: configuration)
    let queue = WorkerQueue(keys: QueueKeys(), workerID: queueFixtureWorker, operations: operations, fetcher: fetcher)
    do {
        try await body(queue, operations)
    } catch {
        await operations.shutdown()
        await fetcher.shutdown()
        throw error
    }
    await operations.shutdown()
    await fetcher.shutdown()
}

/// Script calls (EVALSHA and EVAL) Redis ran since it started or since the last
/// `CONFIG RESETSTAT`, from `INFO commandstats`.
func scriptCalls(_ redis: RedisClient) async throws -> Int {
    let info = try await redis.send(RedisCommand("INFO", "commandstats")).string ?? ""
    return info.split(whereSeparator: \.isNewline).reduce(0) { total, line in
        guard line.hasPrefix("cmdstat_evalsha:") || line.hasPrefix("cmdstat_eval:"),
            let calls = line.split(separator: ",").first?.split(separator: "=").last.flatMap({ Int($0) })
        else { return total }
        return total + calls
    }
}
