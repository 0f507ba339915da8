import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders pages from the Mustache templates shipped as resources. Every page extends
/// `layout`; values are inserted with `{{…}}`, which HTML-escapes them.
struct DashboardRenderer: Sendable {
    let library: MustacheLibrary
    let basePath: String
    let readOnly: Bool

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What every page's layout reads, with the page's own values under `page`.
    struct Layout {
        let base: String
        let title: String
        let section: String
        let canChange: Bool
        let readOnly: Bool
        let notice: String?
        let page: Any
        var isOverview: Bool { section == "overview" }
        var isDead: Bool { section == "dead" }
        var isRetries: Bool { section == "retries" }
        var isEvents: Bool { section == "events" }
    }

    init(basePath: String, readOnly: Bool) throws {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw Failure(description: "the dashboard's templates are missing from its resource bundle")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        self.library = library
        self.basePath = basePath
        self.readOnly = readOnly
    }

    func html(
        _ template: String, title: String, section: String, page: Any, notice: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let layout = Layout(
            base: basePath, title: title, section: section, canChange: !readOnly, readOnly: readOnly, notice: notice, page: page
        )
        let text = library.render(layout, withTemplate: template) ?? "template \(template) is missing"
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// A page that only says something: a refusal, a missing entry.
    func message(_ text: String, title: String, status: HTTPResponse.Status, back: String? = nil) -> Response {
        struct Message {
            let text: String
            let back: String?
        }
        return html("message", title: title, section: "", page: Message(text: text, back: back), status: status)
    }

    /// 303 to `path` (below the base path), with an optional notice shown there.
    func redirect(_ path: String, notice: String? = nil) -> Response {
        var target = basePath + path
        if let notice { target += (path.contains("?") ? "&" : "?") + "notice=" + FormData.encode(notice) }
        return Response(status: .seeOther, headers: [.location: target])
    }
}
