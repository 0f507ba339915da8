import Crypto
import Hummingbird
public import HummingbirdAuth

/// The signed-in operator: the HTTP Basic user name.
public struct DashboardUser: Sendable {
    public let name: String
}

/// The request context of the dashboard: Hummingbird's, with the authenticated user.
public typealias DashboardRequestContext = BasicAuthRequestContext<DashboardUser>

/// Checks HTTP Basic credentials against the configured user and password.
///
/// Both sides are hashed with SHA-256 first and the digests compared in constant time, so
/// neither the length nor the content of the password leaks through timing.
struct DashboardAuthenticator: AuthenticatorMiddleware {
    typealias Context = DashboardRequestContext
    let user: String
    let password: String

    func authenticate(request: Request, context: Context) async throws -> DashboardUser? {
        guard let basic = request.headers.basic else { return nil }
        let userMatches = Self.constantTimeEqual(basic.username, user)
        let passwordMatches = Self.constantTimeEqual(basic.password, password)
        return userMatches && passwordMatches ? DashboardUser(name: basic.username) : nil
    }

    static func constantTimeEqual(_ given: String, _ expected: String) -> Bool {
        let left = SHA256.hash(data: Array(given.utf8))
        let right = SHA256.hash(data: Array(expected.utf8))
        var difference: UInt8 = 0
        for (a, b) in zip(left, right) { difference |= a ^ b }
        return difference == 0
    }
}

/// Answers 401 with `WWW-Authenticate: Basic` when no identity was established.
struct RequireUserMiddleware: RouterMiddleware {
    typealias Context = DashboardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity != nil else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: #"Basic realm="anima dashboard", charset="UTF-8""#, .contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: .init(string: "authentication required\n"))
            )
        }
        return try await next(request, context)
    }
}
