/// Signatures computed outside the code under test, with openssl. Each constant names the
/// exact command that produced it.
enum OpenSSLVectors {
    static let timestamp: Int64 = 1_700_000_000
    static let secret = "whsec_test_secret"
    static let body = #"{"id":"evt_1","type":"ping"}"#

    /// printf '%s' '1700000000.{"id":"evt_1","type":"ping"}' | openssl dgst -sha256 -hmac 'whsec_test_secret'
    static let signature = "74a11abdd08483d064a2a1571e7881b084c522f9f3ccd0b800ec8c74aba47fc2"

    /// printf '%s' '1700000000.{"id":"evt_1","type":"ping"}' | openssl dgst -sha256 -hmac 'old_secret'
    static let oldSecretSignature = "a347c489b1a23f4fed5b9b4c3ede381c6b63a119f41c33752a33d76243daa271"

    /// printf '%s' '1700000000.{"id":"evt_1","type":"ping"}' | openssl dgst -sha256 -hmac 'new_secret'
    static let newSecretSignature = "ce619235ba86aca8f704937b38c2223c2aae3db2d9f82c77253c0a138800f72c"

    /// (printf '1700000000.'; for i in $(seq 0 255); do printf "\\$(printf '%03o' $i)"; done) > /tmp/binpayload
    /// openssl dgst -sha256 -hmac 'whsec_test_secret' < /tmp/binpayload
    static let binaryBodySignature = "71c4a3552da3837bacdcde175392bc7b9abb161d894e156f289d61f9bb05d1ff"

    /// Empty body: printf '%s' '1700000000.' | openssl dgst -sha256 -hmac 'whsec_test_secret'
    static let emptyBodySignature = "316b9ab98c15bfa039d243f3196acee619cf29749a91a634e6a8154e2f7b6727"

    static let allBytes: [UInt8] = Array(0...255)
}
