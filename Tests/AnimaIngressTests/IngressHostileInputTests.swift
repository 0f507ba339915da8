import AnimaRedis
import AnimaTestSupport
import Foundation
import Testing

/// Thousands of random and hostile requests at a real `anima-ingress` in front of a real Redis,
/// with valid signed requests mixed in: never a 5xx, never a crash, every valid event stored,
/// memory bounded.
@Suite("Ingress: hostile input")
struct IngressHostileInputTests {
    @Test func barrageOfHostileRequestsNeverGets5xxNorLosesAValidEventNorGrowsMemory() async throws {
        let seed =
            ProcessInfo.processInfo.environment["ANIMA_HOSTILE_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 0...UInt64(UInt32.max))
        // A small body limit keeps the over-the-limit uploads cheap.
        try await IngressFixture.run(environment: ["ANIMA_MAX_BODY_BYTES": "65536", "ANIMA_LOG_LEVEL": "warning"]) { f in
            let rssBefore = try #require(residentKiB(of: f.ingress.process.pid), "no VmRSS for the ingress")
            let barrage = Barrage(ingress: f.ingress, seed: seed)
            let started = ContinuousClock.now
            let results = try await barrage.fire(at: f.http, lanes: 16)
            let took = ContinuousClock.now - started
            let context = "seed \(seed) (ANIMA_HOSTILE_SEED), \(results.count) requests in \(took)"

            let serverErrors = results.filter { $0.statuses.contains { $0 >= 500 } }.map(\.summary)
            #expect(serverErrors.isEmpty, "expected no 5xx, saw \(serverErrors.count): \(serverErrors.prefix(10)); \(context)")
            let refusedValid = results.filter {
                $0.shot.mustLand.count > 0 && $0.statuses != Array(repeating: 200, count: $0.shot.mustLand.count)
            }
            #expect(
                refusedValid.isEmpty,
                "expected 200 for every valid request, saw \(refusedValid.count) others: \(refusedValid.prefix(10).map(\.summary)); \(context)"
            )

            #expect(
                f.ingress.process.isRunning,
                "the ingress died (\(f.ingress.process.exitStatus.map(\.description) ?? "?")); stderr: \(f.ingress.process.standardError.suffix(2000)); \(context)"
            )
            let health = try await f.http.request("GET", "/healthz", timeout: .seconds(5))
            #expect(health.status == 200, "expected /healthz 200 after the barrage, saw \(health.summary); \(context)")

            let queued = try await f.queued()
            let landed = Set(queued)
            let valid = results.flatMap(\.shot.mustLand)
            let missing = valid.filter { !landed.contains($0) }
            #expect(missing.isEmpty, "expected every valid body on anima:events, \(missing.count) of \(valid.count) missing; \(context)")
            let unsigned = queued.filter { !barrage.signedBodies.contains($0) }
            #expect(unsigned.isEmpty, "expected only signed bodies on anima:events, saw \(unsigned.count) others; \(context)")
            #expect(
                queued.count == landed.count,
                "expected each body once on anima:events, saw \(queued.count - landed.count) doubles; \(context)"
            )

            let rssAfter = try #require(residentKiB(of: f.ingress.process.pid), "no VmRSS for the ingress after the barrage")
            #expect(rssAfter < 200 * 1024, "expected VmRSS under 200 MiB, saw \(rssBefore) KiB before, \(rssAfter) KiB after; \(context)")

            let statuses = Dictionary(grouping: results.flatMap(\.statuses), by: { $0 }).mapValues(\.count)
            let unanswered = results.filter(\.statuses.isEmpty).count
            let smuggled = results.filter { $0.shot.hidden.map(landed.contains) == true }.map(\.shot.name)
            print(
                "hostile barrage: \(context); statuses \(statuses.sorted { $0.key < $1.key }), unanswered \(unanswered), valid stored \(valid.count - missing.count)/\(valid.count), VmRSS \(rssBefore) → \(rssAfter) KiB; hidden requests taken as a second request: \(smuggled.sorted())"
            )
        }
    }
}

/// `VmRSS` of process `pid` in KiB, from `/proc/PID/status`.
private func residentKiB(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
    return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
}
