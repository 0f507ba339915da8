/*
 * The worker's C sequence reference for scripts/bench (issue 16's ceiling): the take / claim /
 * done / acknowledge sequence done with plain commands, no Lua, pipelined in batches, with
 * hiredis and nothing else.
 *
 *   hiredis_seq <redis port> <key prefix> <worker id> <batch>
 *
 * Per batch, each step pipelined for the whole batch:
 *   1. register once: SADD <prefix>:workers <id> (so that the bench sees the processing list);
 *   2. take: LMOVE <prefix>:events <prefix>:processing:<id> RIGHT LEFT, <batch> times;
 *   3. claim every id: SET <prefix>:event:<id> <token> NX EX 30;
 *   4. the handler (builtin:ack: nothing);
 *   5. for each claimed event: SET <prefix>:event:<id> done EX 604800, then
 *      LREM <prefix>:processing:<id> -1 <entry>; an event already leased or done is only
 *      acknowledged (LREM).
 * Four commands per event. It is not atomic (a crash between 5's two commands leaves an entry
 * with its done mark, which the worker's scripts avoid): a ceiling, not a design. It stops
 * when a take finds the pending list empty. The id is read from the JSON body with a plain
 * search for "id":" (the bench makes the bodies). Prints how many events it completed.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, redisContext *c) {
    fprintf(stderr, "hiredis_seq: %s: %s\n", what, c && c->err ? c->errstr : "unexpected reply");
    exit(1);
}

static redisReply *next_reply(redisContext *c, const char *what) {
    redisReply *r;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || !r || r->type == REDIS_REPLY_ERROR) die(what, c);
    return r;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: hiredis_seq port prefix worker-id batch\n");
        return 2;
    }
    const char *prefix = argv[2], *id = argv[3];
    int max = atoi(argv[4]);
    redisContext *c = redisConnect("127.0.0.1", atoi(argv[1]));
    if (!c || c->err) die("connect", c);

    char events[256], processing[256], workers[256];
    snprintf(events, sizeof events, "%s:events", prefix);
    snprintf(processing, sizeof processing, "%s:processing:%s", prefix, id);
    snprintf(workers, sizeof workers, "%s:workers", prefix);
    const char *sadd[] = {"SADD", workers, id};
    redisReply *registered = redisCommandArgv(c, 3, sadd, NULL);
    if (!registered) die("SADD", c);
    freeReplyObject(registered);

    redisReply **entries = malloc(sizeof(*entries) * (size_t)max);
    char (*keys)[160] = malloc(sizeof(*keys) * (size_t)max);
    char (*tokens)[64] = malloc(sizeof(*tokens) * (size_t)max);
    int *claimed = malloc(sizeof(int) * (size_t)max);
    unsigned long serial = 0, completed = 0;

    for (;;) {
        const char *lmove[] = {"LMOVE", events, processing, "RIGHT", "LEFT"};
        for (int i = 0; i < max; i++) redisAppendCommandArgv(c, 5, lmove, NULL);
        int n = 0;
        for (int i = 0; i < max; i++) {
            redisReply *r = next_reply(c, "LMOVE");
            if (r->type == REDIS_REPLY_STRING) entries[n++] = r; else freeReplyObject(r);
        }
        if (n == 0) break;

        for (int i = 0; i < n; i++) {
            const char *p = strstr(entries[i]->str, "\"id\":\"");
            const char *q = p ? strchr(p + 6, '"') : NULL;
            if (!q || q - (p + 6) > 100) { fprintf(stderr, "hiredis_seq: no id in an entry\n"); return 1; }
            snprintf(keys[i], sizeof keys[i], "%s:event:%.*s", prefix, (int)(q - (p + 6)), p + 6);
            snprintf(tokens[i], sizeof tokens[i], "lease:%s:%lu", id, ++serial);
            const char *set[] = {"SET", keys[i], tokens[i], "NX", "EX", "30"};
            redisAppendCommandArgv(c, 6, set, NULL);
        }
        for (int i = 0; i < n; i++) {
            redisReply *r = next_reply(c, "SET NX");
            claimed[i] = r->type == REDIS_REPLY_STATUS;
            freeReplyObject(r);
        }
        /* builtin:ack: the handler does nothing. */
        int sent = 0;
        for (int i = 0; i < n; i++) {
            if (claimed[i]) {
                const char *done[] = {"SET", keys[i], "done", "EX", "604800"};
                redisAppendCommandArgv(c, 5, done, NULL);
                sent++;
            }
            const char *lrem[] = {"LREM", processing, "-1", entries[i]->str};
            size_t l[] = {4, strlen(processing), 2, entries[i]->len};
            redisAppendCommandArgv(c, 4, lrem, l);
            sent++;
        }
        for (int i = 0; i < sent; i++) freeReplyObject(next_reply(c, "done / LREM"));
        for (int i = 0; i < n; i++) freeReplyObject(entries[i]);
        completed += (unsigned long)n;
    }
    printf("%lu\n", completed);
    redisFree(c);
    return 0;
}
