import AnimaQueue
import AnimaRedis
public import Hummingbird
import HummingbirdAuth
public import Logging
import NIOCore
import ServiceLifecycle

/// Builds the dashboard application: pages, actions, assets and JSON API under the base path,
/// behind the security headers, HTTP Basic (when a password is set) and the change guard.
/// `anima-admin dashboard` runs it; tests build it the same way.
///
/// - Parameter onServerRunning: called with the bound port once the server listens.
public func buildDashboardApplication(
    configuration: DashboardConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let client = RedisClient(configuration: configuration.redis)
    let controller = DashboardController(
        configuration: configuration,
        keys: QueueKeys(prefix: configuration.keyPrefix),
        client: client,
        renderer: try DashboardRenderer(basePath: configuration.basePath, readOnly: configuration.readOnly)
    )
    let router = Router(context: DashboardRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    if let password = configuration.password {
        router.add(middleware: DashboardAuthenticator(user: configuration.user, password: password))
        router.add(middleware: RequireUserMiddleware())
    } else {
        router.add(middleware: AnonymousUserMiddleware())
    }
    router.add(middleware: ChangeGuardMiddleware(readOnly: configuration.readOnly))
    if configuration.basePath.isEmpty {
        controller.register(on: router)
    } else {
        let group = router.group(RouterPath(configuration.basePath))
        controller.register(on: group)
        let base = configuration.basePath
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: base + "/"]) }
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [RedisClientCloser(client: client)],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Without a password (loopback only) every request acts as the anonymous operator.
struct AnonymousUserMiddleware: RouterMiddleware {
    typealias Context = DashboardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.identity = DashboardUser(name: "anonymous")
        return try await next(request, context)
    }
}

/// Shuts the Redis client down when the application stops.
struct RedisClientCloser: Service {
    let client: RedisClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}
