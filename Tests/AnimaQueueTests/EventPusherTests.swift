import AnimaQueue
import AnimaRedis
import AnimaTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// The pusher's answers to callers that do not wait (the ingress's event-loop path): given on
/// the caller's event loop, once, whatever the outcome.
@Suite("Queue: event pusher")
struct EventPusherTests {
    @Test func aStoredPushIsAnsweredOnTheCallersEventLoop() async throws {
        let server = try await RedisServer()
        let configuration = try RedisConfiguration(url: server.url)
        let inspector = RedisClient(configuration: configuration)
        try await withCleanup {
            try await withPusher(configuration) { pusher in
                let answer = await pushed(ByteBuffer(string: #"{"id":"p1"}"#), by: pusher)
                #expect(answer.onLoop, "expected the answer on the caller's event loop")
                #expect(answer.outcome == "stored", "expected stored, saw \(answer.outcome)")
            }
            let queued = try await inspector.send(RedisCommand("LRANGE", "anima:events", 0, -1))
            let bodies = queued.array?.compactMap { $0.bytes.map { String(buffer: $0) } } ?? []
            #expect(bodies == [#"{"id":"p1"}"#], "expected the body on anima:events, saw \(bodies)")
        } cleanup: {
            await inspector.shutdown()
            await server.stop()
        }
    }

    @Test func theReceiptKeepsTheTimeOfReceiptToTheMicrosecond() async throws {
        let server = try await RedisServer()
        let configuration = try RedisConfiguration(url: server.url)
        let inspector = RedisClient(configuration: configuration)
        let body = ByteBuffer(string: #"{"id":"p3"}"#)
        try await withCleanup {
            try await withPusher(configuration) { pusher in
                let outcome = await pusher.push(
                    body, receivedAt: Date(timeIntervalSince1970: 1_764_000_000.125), sentAt: 1_764_000_000, timeout: .seconds(10))
                #expect("\(outcome)" == "stored", "expected stored, saw \(outcome)")
            }
            let receipt = try await inspector.send(RedisCommand("HGET", "anima:received", SHA1Hex.of(body))).string
            #expect(
                receipt == "1764000000125.000 1764000000", "expected received ms to the µs, then the sender's s; saw \(receipt ?? "none")")
        } cleanup: {
            await inspector.shutdown()
            await server.stop()
        }
    }

    @Test func aPushWhileRedisIsDownIsAnsweredUnavailableOnTheCallersEventLoop() async throws {
        let server = try await RedisServer()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.connectTimeout = .milliseconds(500)
        await server.stop()
        try await withPusher(configuration) { pusher in
            let answer = await pushed(ByteBuffer(string: #"{"id":"p2"}"#), by: pusher)
            #expect(answer.onLoop, "expected the answer on the caller's event loop")
            #expect(answer.outcome == "unavailable", "expected unavailable, saw \(answer.outcome)")
        }
    }

    /// Pushes `body` from an event loop and waits for the callback: the outcome's case name,
    /// and whether it ran on that loop.
    private func pushed(_ body: ByteBuffer, by pusher: EventPusher) async -> (outcome: String, onLoop: Bool) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        return await withCheckedContinuation { continuation in
            loop.execute {
                pusher.push(body, receivedAt: Date(timeIntervalSince1970: 1), sentAt: 1, timeout: .seconds(10), on: loop) { outcome in
                    let name = String(describing: outcome).prefix { $0 != "(" }
                    continuation.resume(returning: (String(name), loop.inEventLoop))
                }
            }
        }
    }

    private func withPusher(_ configuration: RedisConfiguration, _ body: (EventPusher) async throws -> Void) async throws {
        let logger = Logger(label: "anima.test.pusher") { _ in SwiftLogNoOpLogHandler() }
        let pusher = EventPusher(
            client: RedisClient(configuration: configuration), key: "anima:events", receivedKey: "anima:received", logger: logger)
        let group = ServiceGroup(configuration: .init(services: [pusher], logger: logger))
        let running = Task { try await group.run() }
        try await withCleanup {
            try await body(pusher)
        } cleanup: {
            await group.triggerGracefulShutdown()
            try? await running.value
        }
    }
}
