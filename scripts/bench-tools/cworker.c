/*
 * The worker's ceiling for scripts/bench: the same per-event Redis sequence as anima-worker
 * with builtin:ack, written in C with hiredis and nothing else, pipelined in batches.
 *
 *   cworker <redis port> <key prefix> <worker id> <batch> <take.lua> <claim.lua> <complete.lua>
 *
 * The three Lua scripts are the worker's own (scripts/bench extracts them from
 * Sources/AnimaQueue/QueueScripts.swift into files), loaded with SCRIPT LOAD and run with
 * EVALSHA, with the worker's keys and arguments:
 *   1. register: SADD <prefix>:workers <id> (as the worker does before its first take, so
 *      that the bench sees the processing list);
 *   2. take: EVALSHA take 2 <prefix>:events <prefix>:processing:<id> <batch> — one round trip;
 *   3. claim every id: EVALSHA claim 1 <prefix>:event:<id> <token> <lease ms> — pipelined;
 *   4. the handler (builtin:ack: nothing);
 *   5. complete every claimed event: EVALSHA complete 2 <prefix>:event:<id>
 *      <prefix>:processing:<id> <token> <entry> 604800 (done mark + LREM) — pipelined;
 *      an event already done is only acknowledged (LREM), as the worker does.
 * It stops when a take finds the pending list empty. The event id is read from the JSON body
 * with a plain search for "id":" (the bench makes the bodies); the worker parses properly.
 * Prints how many events it completed.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, redisContext *c) {
    fprintf(stderr, "cworker: %s: %s\n", what, c && c->err ? c->errstr : "unexpected reply");
    exit(1);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (fread(text, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(1); }
    text[n] = 0;
    fclose(f);
    return text;
}

static char *load(redisContext *c, const char *path) {
    char *text = slurp(path);
    const char *argv[] = {"SCRIPT", "LOAD", text};
    redisReply *r = redisCommandArgv(c, 3, argv, NULL);
    if (!r || r->type != REDIS_REPLY_STRING) die("SCRIPT LOAD", c);
    char *sha = strdup(r->str);
    freeReplyObject(r);
    free(text);
    return sha;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: cworker port prefix worker-id batch take.lua claim.lua complete.lua\n");
        return 2;
    }
    int port = atoi(argv[1]);
    const char *prefix = argv[2], *id = argv[3], *batch = argv[4];
    redisContext *c = redisConnect("127.0.0.1", port);
    if (!c || c->err) die("connect", c);
    char *take = load(c, argv[5]), *claim = load(c, argv[6]), *complete = load(c, argv[7]);

    char events[256], processing[256], workers[256];
    snprintf(events, sizeof events, "%s:events", prefix);
    snprintf(processing, sizeof processing, "%s:processing:%s", prefix, id);
    snprintf(workers, sizeof workers, "%s:workers", prefix);
    redisReply *r = redisCommand(c, "SADD %s %s", workers, id);
    if (!r) die("SADD", c);
    freeReplyObject(r);

    const char *lease_ms = "30000", *done_ttl = "604800";
    int max = atoi(batch);
    char (*keys)[160] = malloc(sizeof(*keys) * (size_t)max);
    char (*tokens)[64] = malloc(sizeof(*tokens) * (size_t)max);
    long long *claims = malloc(sizeof(long long) * (size_t)max);
    unsigned long serial = 0, completed = 0;

    for (;;) {
        const char *take_argv[] = {"EVALSHA", take, "2", events, processing, batch};
        redisReply *batch_reply = redisCommandArgv(c, 6, take_argv, NULL);
        if (!batch_reply || batch_reply->type != REDIS_REPLY_ARRAY) die("take", c);
        size_t n = batch_reply->elements;
        if (n == 0) { freeReplyObject(batch_reply); break; }

        for (size_t i = 0; i < n; i++) {
            redisReply *e = batch_reply->element[i];
            const char *p = e->type == REDIS_REPLY_STRING ? strstr(e->str, "\"id\":\"") : NULL;
            const char *q = p ? strchr(p + 6, '"') : NULL;
            if (!q || q - (p + 6) > 100) { fprintf(stderr, "cworker: no id in an entry\n"); return 1; }
            snprintf(keys[i], sizeof keys[i], "%s:event:%.*s", prefix, (int)(q - (p + 6)), p + 6);
            snprintf(tokens[i], sizeof tokens[i], "lease:%s:%lu", id, ++serial);
            const char *a[] = {"EVALSHA", claim, "1", keys[i], tokens[i], lease_ms};
            redisAppendCommandArgv(c, 6, a, NULL);
        }
        for (size_t i = 0; i < n; i++) {
            redisReply *cr;
            if (redisGetReply(c, (void **)&cr) != REDIS_OK || cr->type != REDIS_REPLY_INTEGER) die("claim", c);
            claims[i] = cr->integer;
            freeReplyObject(cr);
        }
        /* builtin:ack: the handler does nothing. */
        size_t sent = 0;
        for (size_t i = 0; i < n; i++) {
            redisReply *e = batch_reply->element[i];
            if (claims[i] == 1) {
                const char *a[] = {"EVALSHA", complete, "2", keys[i], processing, tokens[i], e->str, done_ttl};
                size_t l[] = {7, strlen(complete), 1, strlen(keys[i]), strlen(processing), strlen(tokens[i]), e->len, 6};
                redisAppendCommandArgv(c, 8, a, l);
                sent++;
            } else if (claims[i] == 0) {
                const char *a[] = {"LREM", processing, "1", e->str};
                size_t l[] = {4, strlen(processing), 1, e->len};
                redisAppendCommandArgv(c, 4, a, l);
                sent++;
            } /* 2: held by another lease; the worker would defer it (not in this bench). */
        }
        for (size_t i = 0; i < sent; i++) {
            redisReply *cr;
            if (redisGetReply(c, (void **)&cr) != REDIS_OK || cr->type == REDIS_REPLY_ERROR) die("complete", c);
            freeReplyObject(cr);
        }
        completed += sent;
        freeReplyObject(batch_reply);
    }
    printf("%lu\n", completed);
    redisFree(c);
    return 0;
}
