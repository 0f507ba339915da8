import Hummingbird

/// The ingress's fixed JSON answers, encoded once.
enum JSONAnswers {
    static func response(_ status: HTTPResponse.Status, _ json: StaticString, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(staticString: json)))
    }

    /// A JSON answer built at run time (it carries a figure).
    static func response(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    static let received: StaticString = #"{"received":true}"#
    static let invalidSignature: StaticString = #"{"error":"Invalid signature"}"#
    static let timestampOutsideTolerance: StaticString = #"{"error":"Timestamp outside tolerance"}"#
    static let tooLarge: StaticString = #"{"error":"Payload too large"}"#
    static let queueUnavailable: StaticString = #"{"error":"Queue unavailable"}"#
    static let methodNotAllowed: StaticString = #"{"error":"Method not allowed"}"#
    static let notFound: StaticString = #"{"error":"Not found"}"#
}
