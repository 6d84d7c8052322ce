/*
 * auth.c - MD5 password hashing, base64 and server-side SCRAM-SHA-256 (see
 * include/protocol/auth.h). Pure functions over bytes; OpenSSL libcrypto for
 * MD5, SHA-256, HMAC, PBKDF2 and random bytes.
 *
 * Message parsing follows PostgreSQL's auth-scram.c: attributes in a fixed
 * order, the user name in client-first is ignored (libpq sends "n=", pgjdbc
 * "n=*"; the startup packet's user is the one authenticated), an
 * authorization identity is refused, and the c= attribute must repeat the
 * GS2 header of client-first exactly.
 */
#include "protocol/auth.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

int pgp_random_bytes(void *out, size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

static void hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static void md5_hex(const void *data, size_t n, char out[33])
{
    uint8_t d[16];
    unsigned int dlen = 0;
    EVP_Digest(data, n, d, &dlen, EVP_md5(), NULL);
    hex(d, 16, out);
}

void pgp_md5_password(const char *user, const char *password, const uint8_t *salt, char out[36])
{
    size_t pl = strlen(password), ul = strlen(user);
    char inner[33];
    /* Passwords and user names are bounded by the startup packet size. */
    char tmp[2 * 10000 + 8];
    if (pl + ul > sizeof tmp)
        pl = ul = 0;
    memcpy(tmp, password, pl);
    memcpy(tmp + pl, user, ul);
    md5_hex(tmp, pl + ul, inner);
    if (!salt) {
        memcpy(out, "md5", 3);
        memcpy(out + 3, inner, 33);
        return;
    }
    char salted[32 + 4];
    memcpy(salted, inner, 32);
    memcpy(salted + 32, salt, 4);
    memcpy(out, "md5", 3);
    md5_hex(salted, sizeof salted, out + 3);
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pgp_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int pgp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = in[i + k];
            if (c == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) /* data after padding */
                return -1;
            v[k] = b64_value(c);
            if (v[k] < 0)
                return -1;
        }
        uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        int nb = 3 - pad;
        if (o + (size_t)nb > cap)
            return -1;
        out[o++] = (uint8_t)(w >> 16);
        if (nb > 1)
            out[o++] = (uint8_t)(w >> 8);
        if (nb > 2)
            out[o++] = (uint8_t)w;
    }
    return (int)o;
}

/* ---- SCRAM-SHA-256 ---- */

static void hmac256(const uint8_t *key, size_t klen, const void *data, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, data, n, out, &len);
}

int pgp_scram_make_secret(const char *password, const uint8_t *salt, size_t salt_len,
                          int iterations, pgp_scram_secret_t *out)
{
    uint8_t salted[32], client_key[32];
    if (salt_len > PGP_SCRAM_SALT_MAX || iterations < 1)
        return -1;
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations,
                          EVP_sha256(), 32, salted) != 1)
        return -1;
    memcpy(out->salt, salt, salt_len);
    out->salt_len = salt_len;
    out->iterations = iterations;
    hmac256(salted, 32, "Client Key", 10, client_key);
    SHA256(client_key, 32, out->stored_key);
    hmac256(salted, 32, "Server Key", 10, out->server_key);
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    return 0;
}

static int scram_malformed(err_t *err, const char *detail)
{
    err_set(err, ERRCODE_PROTOCOL_VIOLATION, "malformed SCRAM message");
    err_detail(err, "%s", detail);
    err_fatal(err);
    return -1;
}

/* attr - reads "X=value" up to the next ',' or the end; returns the value
 * (NUL-terminated copy in a) or NULL when the attribute letter differs. */
static const char *attr(mem_arena_t *a, const char **p, const char *end, char letter)
{
    const char *s = *p;
    if (end - s < 2 || s[0] != letter || s[1] != '=')
        return NULL;
    s += 2;
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    const char *v = mem_astrndup(a, s, (size_t)(stop - s));
    *p = comma ? comma + 1 : end;
    return v;
}

static bool printable_nonce(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e || *s == ',')
            return false;
    return true;
}

int pgp_scram_first(pgp_scram_t *st, mem_arena_t *a, const char *msg, size_t len,
                    const char *server_nonce, const char **server_first, err_t *err)
{
    const char *p = msg, *end = msg + len;
    if (memchr(msg, '\0', len))
        return scram_malformed(err, "Message contains a NUL byte.");
    if (len < 3)
        return scram_malformed(err, "Unexpected end of input.");
    switch (p[0]) {
    case 'n':
    case 'y':
        st->cbind_flag = p[0];
        p++;
        break;
    case 'p':
        return scram_malformed(err, "The client selected SCRAM-SHA-256-PLUS, but this server does not support channel binding.");
    default:
        return scram_malformed(err, "Unexpected channel-binding flag.");
    }
    if (p >= end || *p != ',')
        return scram_malformed(err, "Comma expected after the channel-binding flag.");
    p++;
    if (p < end && *p == 'a') {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                "client uses authorization identity, but it is not supported");
        err_fatal(err);
        return -1;
    }
    if (p >= end || *p != ',')
        return scram_malformed(err, "Unexpected attribute in client-first-message.");
    p++;
    st->client_first_bare = mem_astrndup(a, p, (size_t)(end - p));
    if (end - p >= 2 && p[0] == 'm' && p[1] == '=') {
        err_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "client requires an unsupported SCRAM extension");
        err_fatal(err);
        return -1;
    }
    if (!attr(a, &p, end, 'n'))
        return scram_malformed(err, "Expected attribute \"n\".");
    const char *cnonce = attr(a, &p, end, 'r');
    if (!cnonce)
        return scram_malformed(err, "Expected attribute \"r\".");
    if (!printable_nonce(cnonce))
        return scram_malformed(err, "Invalid nonce.");
    /* Optional extensions after the nonce are ignored, as PostgreSQL does. */
    st->nonce = mem_asprintf(a, "%s%s", cnonce, server_nonce);
    char salt64[4 * ((PGP_SCRAM_SALT_MAX + 2) / 3) + 1];
    pgp_base64_encode(st->secret.salt, st->secret.salt_len, salt64);
    st->server_first = mem_asprintf(a, "r=%s,s=%s,i=%d", st->nonce, salt64, st->secret.iterations);
    *server_first = st->server_first;
    return 0;
}

static int auth_failed(const pgp_scram_t *st, err_t *err)
{
    err_set(err, ERRCODE_INVALID_PASSWORD, "password authentication failed for user \"%s\"",
            st->user ? st->user : "");
    err_fatal(err);
    return -1;
}

int pgp_scram_final(pgp_scram_t *st, mem_arena_t *a, const char *msg, size_t len,
                    const char **server_final, err_t *err)
{
    const char *p = msg, *end = msg + len;
    if (memchr(msg, '\0', len))
        return scram_malformed(err, "Message contains a NUL byte.");
    const char *cbind = attr(a, &p, end, 'c');
    if (!cbind)
        return scram_malformed(err, "Expected attribute \"c\".");
    uint8_t hdr[16];
    int hl = pgp_base64_decode(cbind, strlen(cbind), hdr, sizeof hdr);
    if (hl != 3 || hdr[0] != (uint8_t)st->cbind_flag || hdr[1] != ',' || hdr[2] != ',')
        return scram_malformed(err, "Unexpected SCRAM channel-binding attribute in client-final-message.");
    const char *nonce = attr(a, &p, end, 'r');
    if (!nonce)
        return scram_malformed(err, "Expected attribute \"r\".");
    if (strcmp(nonce, st->nonce) != 0)
        return scram_malformed(err, "Nonce does not match.");
    /* Skip extensions up to the proof, which must be the last attribute. */
    const char *proof_at = NULL;
    for (const char *q = p; q < end;) {
        if (end - q >= 2 && q[0] == 'p' && q[1] == '=') {
            proof_at = q;
            break;
        }
        const char *comma = memchr(q, ',', (size_t)(end - q));
        if (!comma)
            break;
        q = comma + 1;
    }
    if (!proof_at)
        return scram_malformed(err, "Expected attribute \"p\".");
    const char *without_proof_end = proof_at - 1; /* the ',' before p= */
    p = proof_at;
    const char *proof64 = attr(a, &p, end, 'p');
    if (!proof64 || p != end)
        return scram_malformed(err, "Garbage found at the end of client-final-message.");
    uint8_t proof[PGP_SCRAM_KEY_LEN + 4];
    if (pgp_base64_decode(proof64, strlen(proof64), proof, sizeof proof) != PGP_SCRAM_KEY_LEN)
        return scram_malformed(err, "Malformed proof in client-final-message.");

    char *auth_msg = mem_asprintf(a, "%s,%s,%.*s", st->client_first_bare, st->server_first,
                                  (int)(without_proof_end - msg), msg);
    size_t am_len = strlen(auth_msg);
    uint8_t client_sig[32], client_key[32], stored[32];
    hmac256(st->secret.stored_key, 32, auth_msg, am_len, client_sig);
    for (int i = 0; i < 32; i++)
        client_key[i] = proof[i] ^ client_sig[i];
    SHA256(client_key, 32, stored);
    if (st->mock || CRYPTO_memcmp(stored, st->secret.stored_key, 32) != 0)
        return auth_failed(st, err);
    uint8_t server_sig[32];
    char sig64[48];
    hmac256(st->secret.server_key, 32, auth_msg, am_len, server_sig);
    pgp_base64_encode(server_sig, 32, sig64);
    *server_final = mem_asprintf(a, "v=%s", sig64);
    return 0;
}
