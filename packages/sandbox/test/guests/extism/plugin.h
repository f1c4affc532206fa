/*
 * Shared helpers for the Extism test plugins: moving bytes to and from
 * kernel memory, a growable buffer, a JSON string escaper, a small JSON
 * reader (find a member, decode a string or an integer) and the hyper-mcp
 * tool-call plumbing (CallToolResult output, argument lookup).
 *
 * Everything is static: each plugin is one translation unit.
 */
#ifndef MCPKIT_PLUGIN_H
#define MCPKIT_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extism.h"

/* Each plugin uses only some of the helpers. */
#define HELPER static __attribute__((unused))

/* ------------------------------------------------------------------ */
/* Growable buffer. Allocation failure traps: the plugins have no way to
 * report anything without memory. */

typedef struct {
  char *p;
  size_t n, cap;
} buf_t;

HELPER void buf_reserve(buf_t *b, size_t extra) {
  if (b->cap - b->n > extra) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap - b->n <= extra) {
    if (cap > SIZE_MAX / 2) __builtin_trap();
    cap *= 2;
  }
  char *p = realloc(b->p, cap);
  if (!p) __builtin_trap();
  b->p = p;
  b->cap = cap;
}

HELPER void buf_put(buf_t *b, const void *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

HELPER void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }

HELPER void buf_putc(buf_t *b, char c) { buf_put(b, &c, 1); }

HELPER void buf_put_u64(buf_t *b, uint64_t v) {
  char tmp[20];
  int i = 0;
  do {
    tmp[i++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (i) buf_putc(b, tmp[--i]);
}

HELPER void buf_put_i64(buf_t *b, int64_t v) {
  if (v < 0) {
    buf_putc(b, '-');
    buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
  } else {
    buf_put_u64(b, (uint64_t)v);
  }
}

HELPER void buf_put_hex(buf_t *b, uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  int i = 0;
  do {
    tmp[i++] = digits[v & 15];
    v >>= 4;
  } while (v);
  buf_puts(b, "0x");
  while (i) buf_putc(b, tmp[--i]);
}

HELPER void buf_free(buf_t *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one
 * (bad lead byte, truncated, overlong, surrogate, above U+10FFFF). */
HELPER size_t utf8_seq(const unsigned char *s, size_t avail) {
  unsigned c = s[0];
  size_t n;
  uint32_t cp, min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (avail < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/* Appends s as a JSON string literal (with the quotes). Invalid UTF-8
 * bytes become U+FFFD, so the result is always valid JSON. */
HELPER void buf_json_str(buf_t *b, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  buf_putc(b, '"');
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c == '"' || c == '\\') {
      buf_putc(b, '\\');
      buf_putc(b, (char)c);
      i++;
    } else if (c < 0x20) {
      switch (c) {
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\b': buf_puts(b, "\\b"); break;
        case '\f': buf_puts(b, "\\f"); break;
        default: {
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          buf_put(b, u, 6);
        }
      }
      i++;
    } else if (c < 0x80) {
      buf_putc(b, (char)c);
      i++;
    } else {
      size_t len = utf8_seq(s + i, n - i);
      if (len) {
        buf_put(b, s + i, len);
        i += len;
      } else {
        buf_puts(b, "\\ufffd");
        i++;
      }
    }
  }
  buf_putc(b, '"');
}

/* ------------------------------------------------------------------ */
/* Kernel memory */

/* A new block holding s[0..n), or 0 if the host refused the allocation. */
HELPER extism_block block_from(const void *s, size_t n) {
  extism_block p = extism_alloc(n);
  if (!p) return 0;
  const unsigned char *c = s;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, c + i, 8);
    extism_store_u64(p + i, w);
  }
  for (; i < n; i++) extism_store_u8(p + i, c[i]);
  return p;
}

HELPER extism_block block_from_str(const char *s) { return block_from(s, strlen(s)); }

/* A NUL-terminated copy of block p (its length in *len). */
HELPER char *block_read(extism_block p, size_t *len) {
  uint64_t n = p ? extism_length(p) : 0;
  if (n >= SIZE_MAX) __builtin_trap();
  char *out = malloc((size_t)n + 1);
  if (!out) __builtin_trap();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w = extism_load_u64(p + i);
    memcpy(out + i, &w, 8);
  }
  for (; i < n; i++) out[i] = (char)extism_load_u8(p + i);
  out[n] = 0;
  if (len) *len = (size_t)n;
  return out;
}

/* A NUL-terminated copy of the call's input. */
HELPER char *input_read(size_t *len) {
  uint64_t n = extism_input_length();
  if (n >= SIZE_MAX) __builtin_trap();
  char *out = malloc((size_t)n + 1);
  if (!out) __builtin_trap();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w = extism_input_load_u64(i);
    memcpy(out + i, &w, 8);
  }
  for (; i < n; i++) out[i] = (char)extism_input_load_u8(i);
  out[n] = 0;
  if (len) *len = (size_t)n;
  return out;
}

/* Sets the call's output; returns the export's status (0, or 1 when the
 * host refused the allocation). */
HELPER int output_bytes(const void *s, size_t n) {
  extism_block p = block_from(s, n);
  if (!p && n) return 1;
  extism_output_set(p, n);
  return 0;
}

/* Sets a plugin error; returns the export's status (1). */
HELPER int plugin_error(const char *msg) {
  extism_block p = block_from_str(msg);
  if (p) extism_error_set(p);
  return 1;
}

/* ------------------------------------------------------------------ */
/* JSON reading. Values are located in place: s points at a value and e at
 * the end of the text. */

HELPER const char *json_ws(const char *s, const char *e) {
  while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
  return s;
}

HELPER int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HELPER int json_hex4(const char *s, const char *e, uint32_t *out) {
  if (e - s < 4) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(s[i]);
    if (h < 0) return 0;
    v = (v << 4) | (uint32_t)h;
  }
  *out = v;
  return 1;
}

HELPER void buf_put_utf8(buf_t *b, uint32_t cp) {
  char u[4];
  if (cp < 0x80) {
    u[0] = (char)cp;
    buf_put(b, u, 1);
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3f));
    buf_put(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    buf_put(b, u, 3);
  } else {
    u[0] = (char)(0xf0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    buf_put(b, u, 4);
  }
}

/* Decodes the string literal at s (which starts with '"'). Returns the
 * position after it, or NULL if it is malformed; the decoded bytes go to
 * out when out is not NULL. Lone surrogates decode to U+FFFD. */
HELPER const char *json_str_decode(const char *s, const char *e, buf_t *out) {
  if (s >= e || *s != '"') return NULL;
  s++;
  while (s < e) {
    unsigned char c = (unsigned char)*s;
    if (c == '"') return s + 1;
    if (c < 0x20) return NULL;
    if (c != '\\') {
      const char *run = s;
      while (s < e && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20) s++;
      if (out) buf_put(out, run, (size_t)(s - run));
      continue;
    }
    if (++s >= e) return NULL;
    char esc = *s++;
    char ch;
    switch (esc) {
      case '"': ch = '"'; break;
      case '\\': ch = '\\'; break;
      case '/': ch = '/'; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'n': ch = '\n'; break;
      case 'r': ch = '\r'; break;
      case 't': ch = '\t'; break;
      case 'u': {
        uint32_t cp, lo;
        if (!json_hex4(s, e, &cp)) return NULL;
        s += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && e - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
            json_hex4(s + 2, e, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          s += 6;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
          cp = 0xfffd;
        }
        if (out) buf_put_utf8(out, cp);
        continue;
      }
      default: return NULL;
    }
    if (out) buf_putc(out, ch);
  }
  return NULL;
}

/* The position after the value at s, or NULL if it is malformed. */
HELPER const char *json_skip(const char *s, const char *e, int depth) {
  s = json_ws(s, e);
  if (s >= e || depth > 64) return NULL;
  switch (*s) {
    case '"': return json_str_decode(s, e, NULL);
    case '{':
    case '[': {
      char close = *s == '{' ? '}' : ']';
      bool object = *s == '{';
      s = json_ws(s + 1, e);
      if (s < e && *s == close) return s + 1;
      for (;;) {
        if (object) {
          s = json_str_decode(json_ws(s, e), e, NULL);
          if (!s) return NULL;
          s = json_ws(s, e);
          if (s >= e || *s != ':') return NULL;
          s++;
        }
        s = json_skip(s, e, depth + 1);
        if (!s) return NULL;
        s = json_ws(s, e);
        if (s >= e) return NULL;
        if (*s == close) return s + 1;
        if (*s != ',') return NULL;
        s++;
      }
    }
    case 't': return (e - s >= 4 && !memcmp(s, "true", 4)) ? s + 4 : NULL;
    case 'f': return (e - s >= 5 && !memcmp(s, "false", 5)) ? s + 5 : NULL;
    case 'n': return (e - s >= 4 && !memcmp(s, "null", 4)) ? s + 4 : NULL;
    default: {
      const char *start = s;
      if (s < e && *s == '-') s++;
      if (s >= e || *s < '0' || *s > '9') return NULL;
      while (s < e && ((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E' ||
                       *s == '+' || *s == '-'))
        s++;
      return s > start ? s : NULL;
    }
  }
}

/* The value of member key in the object at s, or NULL (s is not an
 * object, or has no such member). The last of duplicate keys wins. */
HELPER const char *json_member(const char *s, const char *e, const char *key) {
  s = json_ws(s, e);
  if (s >= e || *s != '{') return NULL;
  s = json_ws(s + 1, e);
  if (s < e && *s == '}') return NULL;
  size_t klen = strlen(key);
  const char *found = NULL;
  buf_t k = {0};
  for (;;) {
    k.n = 0;
    s = json_str_decode(json_ws(s, e), e, &k);
    if (!s) break;
    s = json_ws(s, e);
    if (s >= e || *s != ':') break;
    const char *v = json_ws(s + 1, e);
    s = json_skip(v, e, 0);
    if (!s) break;
    if (k.n == klen && (klen == 0 || !memcmp(k.p, key, klen))) found = v;
    s = json_ws(s, e);
    if (s >= e || *s != ',') break;
    s++;
  }
  buf_free(&k);
  return found;
}

/* The decoded string at s (malloc'd, NUL-terminated, length in *len), or
 * NULL if s is not a string. */
HELPER char *json_string(const char *s, const char *e, size_t *len) {
  if (!s) return NULL;
  buf_t b = {0};
  buf_reserve(&b, 0);
  b.p[0] = 0;
  if (!json_str_decode(json_ws(s, e), e, &b)) {
    buf_free(&b);
    return NULL;
  }
  if (len) *len = b.n;
  return b.p;
}

/* Reads an integer (no fraction or exponent) that fits in int64_t. */
HELPER bool json_int(const char *s, const char *e, int64_t *out) {
  if (!s) return false;
  s = json_ws(s, e);
  bool neg = false;
  if (s < e && *s == '-') neg = true, s++;
  if (s >= e || *s < '0' || *s > '9') return false;
  uint64_t v = 0;
  while (s < e && *s >= '0' && *s <= '9') {
    unsigned d = (unsigned)(*s++ - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (s < e && (*s == '.' || *s == 'e' || *s == 'E')) return false;
  if (neg) {
    if (v > (uint64_t)INT64_MAX + 1) return false;
    *out = (int64_t)(0 - v);
  } else {
    if (v > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)v;
  }
  return true;
}

/* ------------------------------------------------------------------ */
/* hyper-mcp tool calls */

typedef struct {
  char *input;      /* the whole input */
  const char *end;  /* its end */
  char *name;       /* the tool name */
  const char *args; /* the arguments object, or NULL when absent */
} tool_call;

/* Reads the input and finds <wrapper>.name and <wrapper>.arguments
 * ("params" for protocol version 1, "request" for version 2). Returns
 * false after setting a plugin error when the input is not such a call. */
HELPER bool tool_call_read(tool_call *c, const char *wrapper) {
  size_t n;
  c->input = input_read(&n);
  c->end = c->input + n;
  const char *e = c->end;
  if (!json_skip(c->input, e, 0) || json_ws(json_skip(c->input, e, 0), e) != e) {
    plugin_error("input is not valid JSON");
    return false;
  }
  const char *w = json_member(c->input, e, wrapper);
  c->name = json_string(json_member(w, e, "name"), e, NULL);
  if (!c->name) {
    buf_t m = {0};
    buf_puts(&m, "input has no string ");
    buf_puts(&m, wrapper);
    buf_puts(&m, ".name");
    plugin_error(m.p);
    buf_free(&m);
    return false;
  }
  c->args = json_member(w, e, "arguments");
  return true;
}

/* Outputs a CallToolResult with one text item. */
HELPER int tool_result(const char *text, size_t n, bool is_error) {
  buf_t b = {0};
  buf_puts(&b, "{\"content\":[{\"type\":\"text\",\"text\":");
  buf_json_str(&b, text, n);
  buf_puts(&b, is_error ? "}],\"isError\":true}" : "}],\"isError\":false}");
  int rc = output_bytes(b.p, b.n);
  buf_free(&b);
  return rc;
}

HELPER int tool_text(const char *text) { return tool_result(text, strlen(text), false); }
HELPER int tool_error(const char *text) { return tool_result(text, strlen(text), true); }

/* Outputs the text in b (freeing it) as a result or a tool error. */
HELPER int tool_buf(buf_t *b, bool is_error) {
  int rc = tool_result(b->p ? b->p : "", b->n, is_error);
  buf_free(b);
  return rc;
}

HELPER int tool_unknown(const tool_call *c) {
  buf_t b = {0};
  buf_puts(&b, "unknown tool ");
  buf_json_str(&b, c->name, strlen(c->name));
  return tool_buf(&b, true);
}

enum { ARG_OK, ARG_MISSING, ARG_TYPE };

HELPER const char *arg_value(const tool_call *c, const char *name) {
  const char *v = c->args ? json_member(c->args, c->end, name) : NULL;
  /* A null argument counts as missing. */
  if (v && c->end - v >= 4 && !memcmp(v, "null", 4)) return NULL;
  return v;
}

/* A string argument: ARG_OK with *out malloc'd, or why not. */
HELPER int arg_string(const tool_call *c, const char *name, char **out, size_t *len) {
  const char *v = arg_value(c, name);
  if (!v) return ARG_MISSING;
  *out = json_string(v, c->end, len);
  return *out ? ARG_OK : ARG_TYPE;
}

HELPER int arg_int(const tool_call *c, const char *name, int64_t *out) {
  const char *v = arg_value(c, name);
  if (!v) return ARG_MISSING;
  return json_int(v, c->end, out) ? ARG_OK : ARG_TYPE;
}

/* The tool error for an argument that arg_* did not return. */
HELPER int arg_error(const char *name, int why, const char *type) {
  buf_t b = {0};
  if (why == ARG_MISSING) {
    buf_puts(&b, "missing required argument \"");
    buf_puts(&b, name);
    buf_puts(&b, "\"");
  } else {
    buf_puts(&b, "argument \"");
    buf_puts(&b, name);
    buf_puts(&b, "\" must be ");
    buf_puts(&b, type);
  }
  return tool_buf(&b, true);
}

#endif
