import Foundation
import Hummingbird
import NIOCore

/// The stylesheet and the script, served by the process itself from its resources.
extension DashboardController {
    func registerAssets(on router: some RouterMethods<DashboardRequestContext>) {
        let css = Self.asset("dashboard.css")
        let script = Self.asset("dashboard.js")
        router.get("/assets/dashboard.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: css))
        }
        router.get("/assets/dashboard.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"], body: .init(byteBuffer: script))
        }
    }

    static func asset(_ name: String) -> ByteBuffer {
        let url = Bundle.module.url(forResource: "Assets", withExtension: nil)?.appendingPathComponent(name)
        let data = url.flatMap { FileManager.default.contents(atPath: $0.path) } ?? Data()
        return ByteBuffer(bytes: data)
    }
}
