/*
 * state: an Extism plugin following hyper-mcp's plugin protocol version 2
 * (exports list_tools and call_tool). Its tools use the host's config,
 * variables, logging and hyper-mcp's notify_logging_message.
 */
#include "plugin.h"

static const char TOOLS[] =
    "{\"tools\":["
    "{\"name\":\"get_config\",\"description\":\"Returns a config value (config_get)\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"}},"
    "\"required\":[\"key\"]}},"
    "{\"name\":\"count\",\"description\":\"Increments the variable count (an 8-byte "
    "little-endian integer) and returns it; sends a logging notification\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{}}},"
    "{\"name\":\"set_var\",\"description\":\"Sets a variable (var_set)\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"value\":{\"type\":\"string\"}},\"required\":[\"name\",\"value\"]}},"
    "{\"name\":\"get_var\",\"description\":\"Returns a variable (var_get)\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
    "\"required\":[\"name\"]}},"
    "{\"name\":\"log\",\"description\":\"Logs the text at level info (log_info)\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
    "\"required\":[\"text\"]}}"
    "]}";

EXTISM_EXPORT("list_tools") int32_t list_tools(void) {
  return output_bytes(TOOLS, sizeof TOOLS - 1);
}

static int no_memory(void) { return plugin_error("the host refused an allocation"); }

static int get_config(const tool_call *c) {
  char *key;
  size_t len;
  int why = arg_string(c, "key", &key, &len);
  if (why != ARG_OK) return arg_error("key", why, "a string");
  extism_block k = block_from(key, len);
  if (!k && len) return no_memory();
  extism_block v = extism_config_get(k);
  if (k) extism_free(k);
  buf_t b = {0};
  if (!v) {
    buf_puts(&b, "config key ");
    buf_put(&b, key, len);
    buf_puts(&b, " is not set");
    return tool_buf(&b, true);
  }
  size_t n;
  char *value = block_read(v, &n);
  extism_free(v);
  buf_put(&b, value, n);
  free(value);
  return tool_buf(&b, false);
}

static int count(void) {
  extism_block k = block_from_str("count");
  if (!k) return no_memory();
  extism_block v = extism_var_get(k);
  uint64_t n = 0;
  if (v) {
    uint64_t len = extism_length(v);
    if (len != 8) return tool_error("var count is not an 8-byte integer");
    n = extism_load_u64(v);
  }
  n++;
  /* The value block is not freed: a host may keep the block itself as the
   * variable's value (Extism's JS SDK does) instead of copying it. */
  extism_block nv = extism_alloc(8);
  if (!nv) return no_memory();
  extism_store_u64(nv, n);
  extism_var_set(k, nv);
  extism_free(k);

  buf_t msg = {0}, text = {0};
  buf_put_u64(&text, n);
  buf_puts(&msg, "{\"level\":\"info\",\"data\":\"count is ");
  buf_put(&msg, text.p, text.n);
  buf_puts(&msg, "\"}");
  extism_block m = block_from(msg.p, msg.n);
  buf_free(&msg);
  if (!m) return no_memory();
  hyper_notify_logging_message(m);
  extism_free(m);
  return tool_buf(&text, false);
}

static int set_var(const tool_call *c) {
  char *name, *value;
  size_t nlen, vlen;
  int why = arg_string(c, "name", &name, &nlen);
  if (why != ARG_OK) return arg_error("name", why, "a string");
  why = arg_string(c, "value", &value, &vlen);
  if (why != ARG_OK) return arg_error("value", why, "a string");
  extism_block k = block_from(name, nlen);
  extism_block v = block_from(value, vlen);
  if ((!k && nlen) || (!v && vlen)) return no_memory();
  /* An empty value is an empty block where the host allows one (alloc(0)
   * may return 0, which var_set takes as "delete"). */
  extism_var_set(k, v);
  if (k) extism_free(k);
  buf_t b = {0};
  buf_puts(&b, "set ");
  buf_put(&b, name, nlen);
  return tool_buf(&b, false);
}

static int get_var(const tool_call *c) {
  char *name;
  size_t len;
  int why = arg_string(c, "name", &name, &len);
  if (why != ARG_OK) return arg_error("name", why, "a string");
  extism_block k = block_from(name, len);
  if (!k && len) return no_memory();
  extism_block v = extism_var_get(k);
  buf_t b = {0};
  if (!v) {
    buf_puts(&b, "var ");
    buf_put(&b, name, len);
    buf_puts(&b, " is not set");
    return tool_buf(&b, true);
  }
  size_t n;
  char *value = block_read(v, &n);
  if (k) extism_free(k);
  buf_put(&b, value, n);
  free(value);
  return tool_buf(&b, false);
}

static int log_text(const tool_call *c) {
  char *text;
  size_t len;
  int why = arg_string(c, "text", &text, &len);
  if (why != ARG_OK) return arg_error("text", why, "a string");
  extism_block t = block_from(text, len);
  if (!t && len) return no_memory();
  extism_log_info(t);
  if (t) extism_free(t);
  return tool_text("logged");
}

EXTISM_EXPORT("call_tool") int32_t call_tool(void) {
  tool_call c;
  if (!tool_call_read(&c, "request")) return 1;
  if (!strcmp(c.name, "get_config")) return get_config(&c);
  if (!strcmp(c.name, "count")) return count();
  if (!strcmp(c.name, "set_var")) return set_var(&c);
  if (!strcmp(c.name, "get_var")) return get_var(&c);
  if (!strcmp(c.name, "log")) return log_text(&c);
  return tool_unknown(&c);
}
