import Hummingbird

/// The ingress's responder: `POST /webhooks/anima`, the one route under load, goes straight to
/// the controller; every other request goes through the router (health, readiness, metrics,
/// 405 and 404). Resolving the webhook route through the router's trie and its middleware cost
/// each webhook a path split, a middleware frame and the route's path as a new string.
struct IngressResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    static let webhookPath = "/webhooks/anima"

    let controller: WebhookController
    let router: RouterResponder<BasicRequestContext>

    func respond(to request: Request, context: Context) async throws -> Response {
        if request.method == .post, request.uri.path == Self.webhookPath {
            return await controller.receive(request, context: context)
        }
        return try await router.respond(to: request, context: context)
    }
}
