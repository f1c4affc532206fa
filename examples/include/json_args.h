/*
 * json_args.h: minimal reader for MCP tool arguments in C guests.
 *
 * A tool guest receives its arguments as one JSON object on stdin. This
 * header reads stdin and parses that object's top-level members. String
 * values are decoded (all JSON escapes, including \uXXXX surrogate pairs, to
 * UTF-8); numbers are validated against the JSON grammar and kept as text
 * until json_number() converts them, so guests that never read a number do
 * not link strtod; nested objects and arrays are validated and skipped.
 *
 * Header-only (all functions static inline); examples/calculator,
 * examples/hash and examples/echo include it (scripts/build-guests.sh builds
 * them with -I examples/include).
 */
#ifndef JSON_ARGS_H
#define JSON_ARGS_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSON_MAX_INPUT (4u << 20) /* bytes of stdin accepted */
#define JSON_MAX_FIELDS 32
#define JSON_MAX_DEPTH 64

enum json_type { JSON_STRING, JSON_NUMBER, JSON_BOOL, JSON_NULL, JSON_OBJECT, JSON_ARRAY };

struct json_field {
    char *key;        /* decoded, NUL-terminated */
    size_t key_len;
    enum json_type type;
    char *str;        /* JSON_STRING: decoded, NUL-terminated; may contain NULs */
    size_t str_len;
    const char *num;  /* JSON_NUMBER: the literal as it appeared */
    size_t num_len;
    int boolean;      /* JSON_BOOL */
};

struct json_args {
    struct json_field fields[JSON_MAX_FIELDS];
    int count;
    const char *error; /* set when parsing fails */
    size_t error_at;   /* byte offset of the error */
};

/* Reads all of stdin into a NUL-terminated buffer. Returns NULL when the
 * input is larger than JSON_MAX_INPUT or cannot be read. */
static inline char *json_read_stdin(size_t *len_out) {
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= JSON_MAX_INPUT + 1) {
                free(buf);
                return NULL;
            }
            cap *= 2;
            if (cap > JSON_MAX_INPUT + 1) cap = JSON_MAX_INPUT + 1;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - 1 - len);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

struct json_parser {
    const char *s;
    size_t len;
    size_t pos;
    struct json_args *out;
};

static inline int json_fail(struct json_parser *p, const char *msg) {
    if (!p->out->error) {
        p->out->error = msg;
        p->out->error_at = p->pos;
    }
    return -1;
}

static inline void json_skip_ws(struct json_parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static inline int json_hex4(struct json_parser *p, unsigned *out) {
    if (p->len - p->pos < 4) return json_fail(p, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return json_fail(p, "invalid \\u escape");
    }
    *out = v;
    return 0;
}

static inline size_t json_put_utf8(char *dst, unsigned cp) {
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string starting at the opening quote. When out is non-NULL the
 * decoded bytes are stored in a new NUL-terminated buffer. */
static inline int json_string(struct json_parser *p, char **out, size_t *out_len) {
    p->pos++; /* opening quote */
    size_t start = p->pos;
    /* Decoded text is never longer than the escaped form. */
    char *dst = NULL;
    size_t n = 0;
    if (out) {
        size_t end = start;
        while (end < p->len && p->s[end] != '"') end += (p->s[end] == '\\') ? 2 : 1;
        dst = malloc(end - start + 1);
        if (!dst) return json_fail(p, "out of memory");
    }
    for (;;) {
        if (p->pos >= p->len) {
            free(dst);
            return json_fail(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            free(dst);
            return json_fail(p, "control character in string");
        }
        if (c != '\\') {
            if (dst) dst[n++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            free(dst);
            return json_fail(p, "unterminated string");
        }
        char e = p->s[p->pos++];
        char simple = 0;
        switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': {
            unsigned cp;
            if (json_hex4(p, &cp) < 0) {
                free(dst);
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* High surrogate: combine with a following low surrogate. */
                unsigned lo;
                if (p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                    size_t save = p->pos;
                    p->pos += 2;
                    if (json_hex4(p, &lo) < 0) {
                        free(dst);
                        return -1;
                    }
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        p->pos = save;
                        cp = 0xFFFD;
                    }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* lone low surrogate */
            }
            if (dst) n += json_put_utf8(dst + n, cp);
            continue;
        }
        default:
            free(dst);
            return json_fail(p, "invalid escape in string");
        }
        if (dst) dst[n++] = simple;
    }
    if (out) {
        dst[n] = '\0';
        *out = dst;
        *out_len = n;
    }
    return 0;
}

static inline int json_is_digit(char c) { return c >= '0' && c <= '9'; }

static inline int json_number_span(struct json_parser *p) {
    size_t i = p->pos;
    if (i < p->len && p->s[i] == '-') i++;
    if (i >= p->len || !json_is_digit(p->s[i])) return json_fail(p, "invalid number");
    if (p->s[i] == '0') i++;
    else while (i < p->len && json_is_digit(p->s[i])) i++;
    if (i < p->len && p->s[i] == '.') {
        i++;
        if (i >= p->len || !json_is_digit(p->s[i])) return json_fail(p, "invalid number");
        while (i < p->len && json_is_digit(p->s[i])) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (i >= p->len || !json_is_digit(p->s[i])) return json_fail(p, "invalid number");
        while (i < p->len && json_is_digit(p->s[i])) i++;
    }
    p->pos = i;
    return 0;
}

static inline int json_literal(struct json_parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return json_fail(p, "invalid value");
    p->pos += n;
    return 0;
}

/* Validates and skips any value (used for nested members). */
static inline int json_skip_value(struct json_parser *p, int depth) {
    if (depth > JSON_MAX_DEPTH) return json_fail(p, "nesting too deep");
    json_skip_ws(p);
    if (p->pos >= p->len) return json_fail(p, "unexpected end of input");
    char c = p->s[p->pos];
    if (c == '"') return json_string(p, NULL, NULL);
    if (c == '-' || json_is_digit(c)) return json_number_span(p);
    if (c == 't') return json_literal(p, "true");
    if (c == 'f') return json_literal(p, "false");
    if (c == 'n') return json_literal(p, "null");
    if (c != '{' && c != '[') return json_fail(p, "invalid value");
    char close = c == '{' ? '}' : ']';
    p->pos++;
    json_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            json_skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"') return json_fail(p, "expected member name");
            if (json_string(p, NULL, NULL) < 0) return -1;
            json_skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') return json_fail(p, "expected ':'");
            p->pos++;
        }
        if (json_skip_value(p, depth + 1) < 0) return -1;
        json_skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return 0;
        }
        return json_fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* Parses a top-level JSON object. Returns 0, or -1 with out->error set.
 * Empty input counts as an empty object. */
static inline int json_parse_args(const char *s, size_t len, struct json_args *out) {
    struct json_parser p = {s, len, 0, out};
    memset(out, 0, sizeof *out);
    json_skip_ws(&p);
    if (p.pos == len) return 0;
    if (s[p.pos] != '{') return json_fail(&p, "arguments must be a JSON object");
    p.pos++;
    json_skip_ws(&p);
    if (p.pos < len && s[p.pos] == '}') {
        p.pos++;
    } else {
        for (;;) {
            json_skip_ws(&p);
            if (p.pos >= len || s[p.pos] != '"') return json_fail(&p, "expected member name");
            if (out->count == JSON_MAX_FIELDS) return json_fail(&p, "too many members");
            struct json_field *f = &out->fields[out->count];
            if (json_string(&p, &f->key, &f->key_len) < 0) return -1;
            for (int i = 0; i < out->count; i++) {
                if (out->fields[i].key_len == f->key_len && memcmp(out->fields[i].key, f->key, f->key_len) == 0)
                    return json_fail(&p, "duplicate member name");
            }
            json_skip_ws(&p);
            if (p.pos >= len || s[p.pos] != ':') return json_fail(&p, "expected ':'");
            p.pos++;
            json_skip_ws(&p);
            if (p.pos >= len) return json_fail(&p, "unexpected end of input");
            char c = s[p.pos];
            size_t start = p.pos;
            if (c == '"') {
                f->type = JSON_STRING;
                if (json_string(&p, &f->str, &f->str_len) < 0) return -1;
            } else if (c == '-' || json_is_digit(c)) {
                f->type = JSON_NUMBER;
                if (json_number_span(&p) < 0) return -1;
                f->num = s + start;
                f->num_len = p.pos - start;
            } else if (c == 't' || c == 'f') {
                f->type = JSON_BOOL;
                f->boolean = c == 't';
                if (json_literal(&p, c == 't' ? "true" : "false") < 0) return -1;
            } else if (c == 'n') {
                f->type = JSON_NULL;
                if (json_literal(&p, "null") < 0) return -1;
            } else {
                f->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
                if (json_skip_value(&p, 1) < 0) return -1;
            }
            out->count++;
            json_skip_ws(&p);
            if (p.pos < len && s[p.pos] == ',') {
                p.pos++;
                continue;
            }
            if (p.pos < len && s[p.pos] == '}') {
                p.pos++;
                break;
            }
            return json_fail(&p, "expected ',' or '}'");
        }
    }
    json_skip_ws(&p);
    if (p.pos != len) return json_fail(&p, "unexpected data after the object");
    return 0;
}

static inline const struct json_field *json_get(const struct json_args *a, const char *key) {
    size_t n = strlen(key);
    for (int i = 0; i < a->count; i++) {
        if (a->fields[i].key_len == n && memcmp(a->fields[i].key, key, n) == 0) return &a->fields[i];
    }
    return NULL;
}

/* Returns the first member whose name is not in the NULL-terminated list
 * `allowed`, or NULL when all members are known. */
static inline const struct json_field *json_unknown_field(const struct json_args *a, const char *const *allowed) {
    for (int i = 0; i < a->count; i++) {
        int known = 0;
        for (const char *const *k = allowed; *k; k++) {
            if (strlen(*k) == a->fields[i].key_len && memcmp(*k, a->fields[i].key, a->fields[i].key_len) == 0) {
                known = 1;
                break;
            }
        }
        if (!known) return &a->fields[i];
    }
    return NULL;
}

/* Converts a JSON_NUMBER field to double. The literal was validated while
 * parsing, so strtod accepts all of it. */
static inline double json_number(const struct json_field *f) {
    char tmp[64];
    if (f->num_len < sizeof tmp) {
        memcpy(tmp, f->num, f->num_len);
        tmp[f->num_len] = '\0';
        return strtod(tmp, NULL);
    }
    char *big = malloc(f->num_len + 1);
    if (!big) return 0;
    memcpy(big, f->num, f->num_len);
    big[f->num_len] = '\0';
    double v = strtod(big, NULL);
    free(big);
    return v;
}

#endif /* JSON_ARGS_H */
