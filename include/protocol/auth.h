/*
 * auth.h - the password mechanisms of the PostgreSQL protocol as pure
 * functions: MD5 password hashing, base64, and the server side of
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677, as PostgreSQL implements it).
 *
 * No I/O and no session state: the session feeds the client's bytes in and
 * sends the results out. Crypto is OpenSSL libcrypto. Strings produced by the
 * SCRAM functions are allocated in the arena the caller passes.
 * Not implemented: channel binding (-PLUS, needs TLS), SASLprep of non-ASCII
 * passwords (PostgreSQL applies it; ASCII passwords are unaffected).
 */
#ifndef PROTOCOL_AUTH_H
#define PROTOCOL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"

/* pgp_random_bytes - n cryptographically random bytes (OpenSSL RAND_bytes). */
int pgp_random_bytes(void *out, size_t n) MUST_CHECK;

/* pgp_md5_password - PostgreSQL's md5 answer: "md5" + hex(md5(hex(md5(password
 * user)) salt)), NUL-terminated in out (36 bytes). With salt NULL it is the
 * stored form "md5" + hex(md5(password user)). */
void pgp_md5_password(const char *user, const char *password, const uint8_t *salt, char out[36]);

/* pgp_base64_encode - standard alphabet with padding; out holds
 * 4 * ((n + 2) / 3) + 1 bytes; returns the length written (without NUL). */
size_t pgp_base64_encode(const uint8_t *in, size_t n, char *out);
/* pgp_base64_decode - strict decode (padding required, no whitespace);
 * returns the decoded length or -1 when malformed or longer than cap. */
int pgp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#define PGP_SCRAM_KEY_LEN 32
#define PGP_SCRAM_SALT_MAX 64
#define PGP_SCRAM_ITERATIONS 4096

/* What the server keeps per user (PostgreSQL's SCRAM secret). */
typedef struct pgp_scram_secret {
    uint8_t salt[PGP_SCRAM_SALT_MAX];
    size_t salt_len;
    int iterations;
    uint8_t stored_key[PGP_SCRAM_KEY_LEN];
    uint8_t server_key[PGP_SCRAM_KEY_LEN];
} pgp_scram_secret_t;

/* pgp_scram_make_secret - PBKDF2-HMAC-SHA-256 of the password, then the
 * stored and server keys. Costs `iterations` HMACs: call once per user. */
int pgp_scram_make_secret(const char *password, const uint8_t *salt, size_t salt_len,
                          int iterations, pgp_scram_secret_t *out) MUST_CHECK;

/* One SCRAM exchange. Fill in secret (and mock for an unknown user, with a
 * made-up secret, so the exchange looks the same and fails at the end:
 * PostgreSQL does this to avoid revealing which users exist). */
typedef struct pgp_scram {
    pgp_scram_secret_t secret;
    bool mock;
    const char *user;          /* for the failure message */
    char cbind_flag;           /* 'n' or 'y' from the client */
    const char *client_first_bare;
    const char *server_first;
    const char *nonce;         /* client nonce + server nonce */
} pgp_scram_t;

/* pgp_scram_first - reads client-first-message (the SASLInitialResponse
 * data) and produces server-first-message. server_nonce must be printable
 * ASCII without ','. Malformed input: 08P01 "malformed SCRAM message". */
int pgp_scram_first(pgp_scram_t *st, mem_arena_t *a, const char *msg, size_t len,
                    const char *server_nonce, const char **server_first, err_t *err) MUST_CHECK;

/* pgp_scram_final - reads client-final-message and verifies the proof. On
 * success returns 0 and server-final-message ("v=..."); a wrong proof (or a
 * mock exchange) is 28P01 `password authentication failed for user "u"`. */
int pgp_scram_final(pgp_scram_t *st, mem_arena_t *a, const char *msg, size_t len,
                    const char **server_final, err_t *err) MUST_CHECK;

#endif
