import AnimaWebhooks
import Testing

@Suite("Hex")
struct HexTests {
    @Test func encodesLowerCaseTwoDigitsPerByte() {
        let text = Hex.encode([0x00, 0x0f, 0xa0, 0xff])
        #expect(text == "000fa0ff", "saw \(text)")
    }

    @Test func roundTripsEveryByteValue() {
        let bytes: [UInt8] = Array(0...255)
        let decoded = Hex.decode(Hex.encode(bytes))
        #expect(decoded == bytes, "decode(encode(0…255)) differs: \(decoded.map { "\($0.count) bytes" } ?? "nil")")
    }

    @Test func decodesUpperAndMixedCase() {
        #expect(Hex.decode("ABcdEF") == [0xab, 0xcd, 0xef])
    }

    @Test(arguments: ["abc", "0g", "zz", " 00", "0x00", "é0"])
    func rejectsOddLengthOrNonHex(text: String) {
        let decoded = Hex.decode(text)
        #expect(decoded == nil, "'\(text)': expected nil, saw \(String(describing: decoded))")
    }

    @Test func decodesEmptyTextToNoBytes() {
        #expect(Hex.decode("") == [])
    }
}
