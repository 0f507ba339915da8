import Hummingbird

/// Answers 405 (with `Allow`) for a known path asked with a method it does not take; the
/// router alone would say 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: [String: HTTPRequest.Method]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let method = allowed[request.uri.path], request.method != method {
            return JSONAnswers.response(.methodNotAllowed, JSONAnswers.methodNotAllowed, headers: [.allow: method.rawValue])
        }
        return try await next(request, context)
    }
}
