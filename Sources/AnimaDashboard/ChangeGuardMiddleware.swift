import Foundation
import HTTPTypes
import Hummingbird

/// Every change is a POST; this refuses, with 403 and before any handler runs, a POST in
/// read-only mode and a POST from another site (`Sec-Fetch-Site: cross-site`, or an `Origin`
/// whose host is not the one asked). A POST without `Origin` (a script, curl) is not cross-site.
struct ChangeGuardMiddleware: RouterMiddleware {
    typealias Context = DashboardRequestContext
    let readOnly: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        if readOnly { return Self.forbidden("the dashboard is read-only: no changes are allowed") }
        if let reason = Self.crossSiteReason(request) { return Self.forbidden(reason) }
        return try await next(request, context)
    }

    /// Why the request comes from another site, or nil.
    static func crossSiteReason(_ request: Request) -> String? {
        if let site = request.headers[.secFetchSite], site.lowercased() == "cross-site" {
            return "cross-site request refused (Sec-Fetch-Site: cross-site)"
        }
        guard let origin = request.headers[.origin] else { return nil }
        let host = request.head.authority ?? ""
        guard let components = URLComponents(string: origin), let originHost = components.host, !originHost.isEmpty else {
            return "cross-site request refused (Origin: \(origin))"
        }
        let originAuthority = components.port.map { "\(originHost):\($0)" } ?? originHost
        if originAuthority.lowercased() == host.lowercased() { return nil }
        // `Host` may omit the default port that `Origin` also omits, or the reverse.
        let defaultPort = components.scheme == "https" ? 443 : 80
        if components.port == nil && host.lowercased() == "\(originHost):\(defaultPort)".lowercased() { return nil }
        if components.port == defaultPort && host.lowercased() == originHost.lowercased() { return nil }
        return "cross-site request refused (Origin \(origin) is not \(host))"
    }

    static func forbidden(_ message: String) -> Response {
        Response(
            status: .forbidden,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: .init(string: message + "\n"))
        )
    }
}
