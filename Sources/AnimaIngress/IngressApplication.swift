import AnimaQueue
import AnimaRedis
import AnimaWebhooks
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore

/// Builds the ingress application: the webhook's handler on the event loop
/// (``WebhookHTTP1Channel``), the other routes, the batching pusher (as a service of the app),
/// readiness and metrics. `anima-ingress` runs it; tests build it the same way.
///
/// - Parameters:
///   - metrics: the application's metrics (`/metrics`), for a caller that counts more in them.
///   - onServerRunning: called with the bound port once the server listens (useful with port 0).
public func buildIngressApplication(
    configuration: IngressConfiguration,
    logger: Logger,
    metrics: IngressMetrics = IngressMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let keys = QueueKeys(prefix: configuration.keyPrefix)
    var pushRedis = configuration.redis
    // A push must be answered within the push timeout even when Redis hangs.
    pushRedis.commandTimeout = min(pushRedis.commandTimeout, configuration.pushTimeout)
    pushRedis.connectTimeout = min(pushRedis.connectTimeout, configuration.pushTimeout)
    let pusher = EventPusher(
        client: RedisClient(configuration: pushRedis),
        key: keys.events,
        receivedKey: keys.received,
        maxPending: configuration.maxPending,
        minReplicas: configuration.minReplicas,
        onReplicaWait: { confirmed, duration in metrics.replicaWait(confirmed: confirmed, duration: duration) },
        logger: logger
    )
    let readiness = Readiness(probe: RedisClient(configuration: pushRedis), minReplicas: configuration.minReplicas)
    let controller = WebhookController(
        verifier: SignatureVerifier(secrets: configuration.secrets, tolerance: configuration.tolerance),
        pusher: pusher,
        metrics: metrics,
        maxBodyBytes: configuration.maxBodyBytes,
        pushTimeout: configuration.pushTimeout,
        retryAfter: String(configuration.retryAfterSeconds),
        tracer: WebhookTracer.bootstrapped()
    )

    let router = ingressRouter(metrics: metrics, readiness: readiness)

    let http1 = HTTP1Channel.Configuration(
        idleTimeout: .seconds(30),
        httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
    )
    let server = HTTPServerBuilder { responder in
        WebhookHTTP1Channel(responder: responder, configuration: http1, controller: controller, logger: logger)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [pusher, ClientCloser(client: readiness.probe)],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// The ingress's routes other than the webhook's: health, readiness and metrics, with 405 for
/// other methods (the webhook's included).
private func ingressRouter(metrics: IngressMetrics, readiness: Readiness) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(
        middleware: MethodNotAllowedMiddleware(allowed: [
            "/webhooks/anima": .post, "/healthz": .get, "/readyz": .get, "/metrics": .get,
        ])
    )
    // POST /webhooks/anima has no route: WebhookChannelHandler answers it on the event loop,
    // in the pipeline WebhookHTTP1Channel sets up. The middleware still answers its other
    // methods with 405.
    router.get("/healthz") { _, _ in
        JSONAnswers.response(.ok, #"{"status":"ok"}"#)
    }
    router.get("/readyz") { _, context in
        await readiness.response(logger: context.logger)
    }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render()))
        )
    }
    return router
}
