/*
 * hello: an Extism plugin following hyper-mcp's plugin protocol version 1
 * (exports describe and call). Tools: greet {name} and add {a, b}.
 */
#include "plugin.h"

static const char DESCRIBE[] =
    "{\"tools\":["
    "{\"name\":\"greet\",\"description\":\"Greets someone: returns Hello, <name>!\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\","
    "\"description\":\"who to greet\"}},\"required\":[\"name\"]}},"
    "{\"name\":\"add\",\"description\":\"Adds two 64-bit integers\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
    "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}}"
    "]}";

EXTISM_EXPORT("describe") int32_t describe(void) {
  return output_bytes(DESCRIBE, sizeof DESCRIBE - 1);
}

static int greet(const tool_call *c) {
  char *name;
  size_t len;
  int why = arg_string(c, "name", &name, &len);
  if (why != ARG_OK) return arg_error("name", why, "a string");
  buf_t b = {0};
  buf_puts(&b, "Hello, ");
  buf_put(&b, name, len);
  buf_puts(&b, "!");
  free(name);
  return tool_buf(&b, false);
}

static int add(const tool_call *c) {
  int64_t a, b, sum;
  int why = arg_int(c, "a", &a);
  if (why != ARG_OK) return arg_error("a", why, "an integer");
  why = arg_int(c, "b", &b);
  if (why != ARG_OK) return arg_error("b", why, "an integer");
  if (__builtin_add_overflow(a, b, &sum)) return tool_error("the sum does not fit in 64 bits");
  buf_t t = {0};
  buf_put_i64(&t, sum);
  return tool_buf(&t, false);
}

EXTISM_EXPORT("call") int32_t call(void) {
  tool_call c;
  if (!tool_call_read(&c, "params")) return 1;
  if (!strcmp(c.name, "greet")) return greet(&c);
  if (!strcmp(c.name, "add")) return add(&c);
  return tool_unknown(&c);
}
