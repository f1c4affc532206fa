/*
 * hash: MCP tool `hash {text, algorithm?}` as a WASI command module.
 *
 * Hashes the UTF-8 bytes of `text` with sha256 (the default), sha1, md5 or
 * crc32 and returns the lowercase hex digest, as text and as
 * structuredContent {algorithm, digest, bytes}.
 *
 * The host runs the module with argv = ["hash"] and the arguments as a JSON
 * object on stdin. On failure the exit code is 1 and stderr holds one line
 * "hash: <message>".
 *
 * The algorithms follow FIPS 180-4 (SHA-256, SHA-1), RFC 1321 (MD5) and the
 * reflected CRC-32 used by zlib/PNG (polynomial 0xEDB88320).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_args.h"

static void fail(const char *msg, const char *detail) {
    fprintf(stderr, "hash: %s%s\n", msg, detail ? detail : "");
    exit(1);
}

static uint32_t rotl32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static uint32_t load_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/*
 * Merkle-Damgard padding shared by SHA-256, SHA-1 and MD5: the message,
 * a 0x80 byte, zeros up to 56 mod 64, then the bit length as a 64-bit
 * big-endian (SHA) or little-endian (MD5) integer. `block` is called for
 * every 64-byte block.
 */
static void md_blocks(const uint8_t *msg, size_t len, int big_endian_length, void *state,
                      void (*block)(void *state, const uint8_t *b)) {
    size_t full = len / 64 * 64;
    for (size_t off = 0; off < full; off += 64) block(state, msg + off);

    uint8_t tail[128];
    size_t rest = len - full;
    memcpy(tail, msg + full, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest + 1 <= 56 ? 64 : 128;
    memset(tail + rest + 1, 0, tail_len - rest - 1);
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) {
        int shift = big_endian_length ? 56 - 8 * i : 8 * i;
        tail[tail_len - 8 + i] = (uint8_t)(bits >> shift);
    }
    block(state, tail);
    if (tail_len == 128) block(state, tail + 64);
}

/* ------------------------------------------------------------------------ */
/* SHA-256                                                                  */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_block(void *state, const uint8_t *b) {
    uint32_t *h = state;
    uint32_t w[64];
    for (int i = 0; i < 16; i++) w[i] = load_be32(b + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + sha256_k[i] + w[i];
        uint32_t S0 = rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22);
        uint32_t maj = (a & bb) ^ (a & c) ^ (bb & c);
        uint32_t t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = bb;
        bb = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static size_t sha256(const uint8_t *msg, size_t len, uint8_t *out) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    md_blocks(msg, len, 1, h, sha256_block);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
    return 32;
}

/* ------------------------------------------------------------------------ */
/* SHA-1                                                                    */

static void sha1_block(void *state, const uint8_t *b) {
    uint32_t *h = state;
    uint32_t w[80];
    for (int i = 0; i < 16; i++) w[i] = load_be32(b + 4 * i);
    for (int i = 16; i < 80; i++) w[i] = rotl32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) f = (bb & c) | (~bb & d), k = 0x5a827999;
        else if (i < 40) f = bb ^ c ^ d, k = 0x6ed9eba1;
        else if (i < 60) f = (bb & c) | (bb & d) | (c & d), k = 0x8f1bbcdc;
        else f = bb ^ c ^ d, k = 0xca62c1d6;
        uint32_t t = rotl32(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rotl32(bb, 30);
        bb = a;
        a = t;
    }
    h[0] += a, h[1] += bb, h[2] += c, h[3] += d, h[4] += e;
}

static size_t sha1(const uint8_t *msg, size_t len, uint8_t *out) {
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    md_blocks(msg, len, 1, h, sha1_block);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
    return 20;
}

/* ------------------------------------------------------------------------ */
/* MD5                                                                      */

static const uint8_t md5_shift[64] = {
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

/* floor(abs(sin(i + 1)) * 2^32), RFC 1321 section 3.4 */
static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static void md5_block(void *state, const uint8_t *b) {
    uint32_t *h = state;
    uint32_t m[16];
    for (int i = 0; i < 16; i++) m[i] = load_le32(b + 4 * i);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) f = (bb & c) | (~bb & d), g = i;
        else if (i < 32) f = (d & bb) | (~d & c), g = (5 * i + 1) % 16;
        else if (i < 48) f = bb ^ c ^ d, g = (3 * i + 5) % 16;
        else f = c ^ (bb | ~d), g = (7 * i) % 16;
        uint32_t t = d;
        d = c;
        c = bb;
        bb = bb + rotl32(a + f + md5_k[i] + m[g], md5_shift[i]);
        a = t;
    }
    h[0] += a, h[1] += bb, h[2] += c, h[3] += d;
}

static size_t md5(const uint8_t *msg, size_t len, uint8_t *out) {
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    md_blocks(msg, len, 0, h, md5_block);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(h[i] >> (8 * j));
    return 16;
}

/* ------------------------------------------------------------------------ */
/* CRC-32                                                                   */

static size_t crc32(const uint8_t *msg, size_t len, uint8_t *out) {
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) crc = table[(crc ^ msg[i]) & 0xFF] ^ (crc >> 8);
    crc ^= 0xFFFFFFFFu;
    for (int j = 0; j < 4; j++) out[j] = (uint8_t)(crc >> (24 - 8 * j));
    return 4;
}

/* ------------------------------------------------------------------------ */
/* tool                                                                     */

struct algorithm {
    const char *name;
    size_t (*digest)(const uint8_t *msg, size_t len, uint8_t *out);
};

static const struct algorithm algorithms[] = {
    {"sha256", sha256},
    {"sha1", sha1},
    {"md5", md5},
    {"crc32", crc32},
};

int main(int argc, char **argv) {
    if (argc < 1 || !argv[0] || strcmp(argv[0], "hash") != 0)
        fail("unknown tool ", argc >= 1 && argv[0] ? argv[0] : "(none)");

    size_t len;
    char *input = json_read_stdin(&len);
    if (!input) fail("invalid arguments: cannot read stdin or input too large", NULL);
    struct json_args args;
    if (json_parse_args(input, len, &args) < 0) {
        fprintf(stderr, "hash: invalid arguments: %s at offset %zu\n", args.error, args.error_at);
        return 1;
    }
    static const char *const allowed[] = {"text", "algorithm", NULL};
    const struct json_field *unknown = json_unknown_field(&args, allowed);
    if (unknown) {
        fprintf(stderr, "hash: invalid arguments: unknown field \"%s\"\n", unknown->key);
        return 1;
    }
    const struct json_field *text = json_get(&args, "text");
    if (!text) fail("invalid arguments: missing required field \"text\"", NULL);
    if (text->type != JSON_STRING) fail("invalid arguments: field \"text\" must be a string", NULL);

    const struct algorithm *alg = &algorithms[0];
    const struct json_field *name = json_get(&args, "algorithm");
    if (name) {
        if (name->type != JSON_STRING) fail("invalid arguments: field \"algorithm\" must be a string", NULL);
        alg = NULL;
        for (size_t i = 0; i < sizeof algorithms / sizeof algorithms[0]; i++) {
            if (strlen(algorithms[i].name) == name->str_len && strcmp(algorithms[i].name, name->str) == 0)
                alg = &algorithms[i];
        }
        if (!alg) fail("invalid arguments: algorithm must be one of sha256, sha1, md5, crc32", NULL);
    }

    uint8_t digest[32];
    size_t n = alg->digest((const uint8_t *)text->str, text->str_len, digest);
    char hex[65];
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[2 * n] = '\0';
    printf("{\"content\":[{\"type\":\"text\",\"text\":\"%s\"}],"
           "\"structuredContent\":{\"algorithm\":\"%s\",\"digest\":\"%s\",\"bytes\":%zu},"
           "\"isError\":false}\n",
           hex, alg->name, hex, text->str_len);
    return 0;
}
