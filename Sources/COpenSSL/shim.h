// The only place in the package that includes OpenSSL. Everything above it goes through
// AnimaRedis.RedisTLSContext and RedisTLSSession. The inline functions wrap macros, which
// Swift does not import.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static inline long anima_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long anima_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

static inline long anima_ssl_ctx_set_auto_retry(SSL_CTX *ctx) {
    return SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
}
