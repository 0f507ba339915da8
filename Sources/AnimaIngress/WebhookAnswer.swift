import HTTPTypes
import NIOCore

/// One answer of the webhook endpoint: a status, one of the fixed JSON bodies, extra headers.
struct WebhookAnswer: Sendable {
    let status: HTTPResponse.Status
    let json: StaticString
    var headers: HTTPFields = [:]

    /// The answer closes the connection (a refused oversized body is not read to its end).
    var closesConnection: Bool { headers[.connection] == "close" }

    /// The response head: content type, length, and the extra headers.
    var head: HTTPResponse {
        var fields: HTTPFields = [.contentType: "application/json", .contentLength: String(json.utf8CodeUnitCount)]
        fields.append(contentsOf: headers)
        return HTTPResponse(status: status, headerFields: fields)
    }

    var body: ByteBuffer { ByteBuffer(staticString: json) }
}
