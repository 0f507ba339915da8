import AnimaDashboard
import Testing

@Suite("Dashboard configuration")
struct DashboardConfigurationTests {
    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
    func loopbackHostsAreRecognised(host: String) {
        #expect(DashboardConfiguration.isLoopback(host: host), "expected \(host) to be loopback")
    }

    @Test(arguments: ["0.0.0.0", "10.0.0.1", "example.com", "::", "128.0.0.1"])
    func otherHostsAreNotLoopback(host: String) {
        #expect(!DashboardConfiguration.isLoopback(host: host), "expected \(host) not to be loopback")
    }

    @Test func basePathsAreNormalised() {
        let seen = ["", "/", "anima", "/anima/", "//ops//anima"].map(DashboardConfiguration.normalized(basePath:))
        #expect(seen == ["", "", "/anima", "/anima", "/ops/anima"], "expected normalised paths, saw \(seen)")
    }
}
