import AnimaRedis
import AnimaWebhooks
import AnimaWorker
import Foundation
import Logging

/// The smallest worker with a handler written in Swift: it appends the id of every
/// `resource.created` event to the file named by `ANIMA_EXAMPLE_OUTPUT`. It shows the library
/// API (and the end-to-end tests run it).
@main
struct ExampleWorker {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let output = environment["ANIMA_EXAMPLE_OUTPUT"] ?? "/dev/stdout"

        var handlers = HandlerRegistry()
        handlers.on("resource.created") { event, context in
            guard let file = FileHandle(forWritingAtPath: output) ?? Self.create(output) else {
                throw HandlerFailure("cannot open \(output)")
            }
            defer { try? file.close() }
            try file.seekToEnd()
            try file.write(contentsOf: Data((event.id + "\n").utf8))
            context.logger.info("recorded \(event.id)")
        }

        var configuration = WorkerConfiguration(
            redis: try RedisConfiguration(url: environment["REDIS_URL"] ?? RedisConfiguration.defaultURL)
        )
        if let id = environment["ANIMA_WORKER_ID"] { configuration.workerID = id }
        let worker = Worker(configuration: configuration, handlers: handlers, logger: Logger(label: "anima-example-worker"))
        try await worker.runUntilSignalled()
    }

    static func create(_ path: String) -> FileHandle? {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return FileHandle(forWritingAtPath: path)
    }
}
