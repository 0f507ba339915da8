/*
 * Open-loop paced sender for scripts/bench's end-to-end rows (wrk2 is not in Debian).
 *
 *   sender <port> <secret> <rate/s> <seconds> <connections> <id tag> <body bytes>
 *
 * Event i is due at start + i/rate, whatever happened to the ones before (open loop). It goes
 * out on any idle keep-alive connection (one request in flight per connection); when all are
 * busy it waits, and its latency still counts from its due time (no coordinated omission).
 * Each body is a distinct JSON event ("id":"evt_<tag>_<i>", padded to <body bytes>), signed
 * when sent: x-anima-timestamp = now, x-anima-signature = hex(HMAC-SHA256(secret,
 * "<timestamp>.<body>")). For every event it records when the 200 arrived.
 * Prints one line: sent ok non_2xx achieved_rate p50_ms p99_ms max_ms (due → 200 received).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

typedef struct {
    int fd;
    long event;          /* in flight, or -1 */
    char buf[8192];
    size_t len;
} conn_t;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: sender port secret rate seconds connections tag body-bytes\n");
        return 2;
    }
    int port = atoi(argv[1]);
    const char *secret = argv[2], *tag = argv[6];
    double rate = atof(argv[3]);
    long total = (long)(rate * atof(argv[4]));
    int nconns = atoi(argv[5]), size = atoi(argv[7]);

    int ep = epoll_create1(0);
    conn_t *conns = calloc((size_t)nconns, sizeof(conn_t));
    int *idle = malloc(sizeof(int) * (size_t)nconns), nidle = 0;
    for (int i = 0; i < nconns; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i].fd = fd;
        conns[i].event = -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        idle[nidle++] = i;
    }

    double *latency = malloc(sizeof(double) * (size_t)total);
    char *body = malloc((size_t)size + 256), *request = malloc((size_t)size + 1024), *signed_text = malloc((size_t)size + 64);
    long next = 0, finished = 0, ok = 0, bad = 0;
    double interval = 1e9 / rate, start = now_ns() + 1e6, last_progress = start;

    while (finished < total) {
        double now = now_ns();
        while (next < total && nidle > 0 && start + (double)next * interval <= now) {
            conn_t *c = &conns[idle[--nidle]];
            int blen = snprintf(body, (size_t)size + 256,
                "{\"id\":\"evt_%s_%08ld\",\"type\":\"resource.created\",\"created\":\"2026-11-29T00:00:00Z\",\"data\":{\"pad\":\"", tag, next);
            while (blen < size - 3) body[blen++] = 'x';
            blen += sprintf(body + blen, "\"}}");
            long ts = (long)time(NULL);
            int slen = sprintf(signed_text, "%ld.", ts);
            memcpy(signed_text + slen, body, (size_t)blen);
            unsigned char mac[32];
            unsigned int maclen = 0;
            HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)signed_text, (size_t)(slen + blen), mac, &maclen);
            char hex[65];
            for (int k = 0; k < 32; k++) sprintf(hex + 2 * k, "%02x", mac[k]);
            int rlen = sprintf(request,
                "POST /webhooks/anima HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "x-anima-timestamp: %ld\r\nx-anima-signature: %s\r\nContent-Length: %d\r\n\r\n", ts, hex, blen);
            memcpy(request + rlen, body, (size_t)blen);
            rlen += blen;
            for (int off = 0; off < rlen;) {
                ssize_t w = send(c->fd, request + off, (size_t)(rlen - off), MSG_NOSIGNAL);
                if (w < 0) { if (errno == EINTR) continue; perror("send"); return 1; }
                off += (int)w;
            }
            c->event = next++;
        }
        int timeout = -1;
        if (next < total && nidle > 0) {
            double wait = start + (double)next * interval - now_ns();
            timeout = wait <= 0 ? 0 : (int)ceil(wait / 1e6);
        } else {
            timeout = 1000;
        }
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, timeout);
        now = now_ns();
        if (n <= 0) {
            if (now - last_progress > 30e9) { fprintf(stderr, "sender: no answer for 30 s\n"); return 1; }
            continue;
        }
        for (int k = 0; k < n; k++) {
            conn_t *c = &conns[evs[k].data.u32];
            ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len - 1, 0);
            if (r <= 0) { fprintf(stderr, "sender: connection closed\n"); return 1; }
            c->len += (size_t)r;
            c->buf[c->len] = 0;
            char *end = strstr(c->buf, "\r\n\r\n");
            if (!end) continue;
            char *cl = strcasestr(c->buf, "content-length:");
            size_t bodylen = cl && cl < end ? (size_t)atol(cl + 15) : 0;
            size_t whole = (size_t)(end + 4 - c->buf) + bodylen;
            if (c->len < whole) continue;
            int status = atoi(c->buf + 9);
            if (status == 200) ok++; else bad++;
            if (c->event >= 0) {
                latency[finished++] = now - (start + (double)c->event * interval);
                c->event = -1;
                idle[nidle++] = (int)(c - conns);
                last_progress = now;
            }
            memmove(c->buf, c->buf + whole, c->len - whole);
            c->len -= whole;
        }
    }
    double elapsed = now_ns() - start;
    qsort(latency, (size_t)total, sizeof(double), cmp);
    printf("%ld %ld %ld %.0f %.2f %.2f %.2f\n", total, ok, bad, (double)total / (elapsed / 1e9),
        latency[(size_t)(0.50 * (double)(total - 1))] / 1e6, latency[(size_t)(0.99 * (double)(total - 1))] / 1e6,
        latency[total - 1] / 1e6);
    return 0;
}
