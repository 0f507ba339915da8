import AnimaTestSupport
import Testing

/// `WebhookEvent.identify` against the oracle on seeded random documents and mutations of
/// them. The seeds are fixed, so a failure shows the same documents on every run.
@Suite("WebhookEvent.identify: random documents")
struct EventIdentityRandomTests {
    static let seeds: [UInt64] = [0x5EED_0001, 0xA11CE, 0xC0FFEE]
    static let documentsPerSeed = 600
    static let mutationsPerDocument = 3

    /// Up to `limit` disagreements, and how many documents were checked.
    static func disagreements(
        limit: Int = 10,
        _ documents: (inout JSONGenerator, ([UInt8]) -> Void) -> Void
    ) -> (found: [String], checked: Int) {
        var found: [String] = []
        var checked = 0
        for seed in seeds {
            var generator = JSONGenerator(seed: seed)
            documents(&generator) { document in
                checked += 1
                if found.count < limit, let mismatch = disagreement(on: document) {
                    found.append("seed \(seed): \(mismatch)")
                }
            }
        }
        return (found, checked)
    }

    @Test func randomValidDocumentsAgreeWithTheOracle() {
        var notValid: [String] = []
        let result = Self.disagreements { generator, check in
            for _ in 0..<Self.documentsPerSeed {
                let document = generator.document()
                if JSONOracle.identity(of: document) == .invalid, notValid.count < 5 { notValid.append(describe(document)) }
                check(document)
            }
        }
        #expect(notValid.isEmpty, "the generator made documents the oracle rejects: \(notValid)")
        #expect(result.found.isEmpty, "\(result.found.count)+ of \(result.checked) disagree:\n\(result.found.joined(separator: "\n"))")
    }

    @Test func randomMutationsAgreeWithTheOracle() {
        var invalid = 0
        let result = Self.disagreements { generator, check in
            for _ in 0..<Self.documentsPerSeed {
                let document = generator.document()
                for _ in 0..<Self.mutationsPerDocument {
                    let mutated = generator.mutation(of: document)
                    if JSONOracle.identity(of: mutated) == .invalid { invalid += 1 }
                    check(mutated)
                }
            }
        }
        #expect(result.found.isEmpty, "\(result.found.count)+ of \(result.checked) disagree:\n\(result.found.joined(separator: "\n"))")
        // The mutations must exercise both sides, or the comparison proves little.
        #expect(invalid > result.checked / 4 && invalid < result.checked * 19 / 20, "\(invalid) of \(result.checked) mutations are invalid")
    }
}
