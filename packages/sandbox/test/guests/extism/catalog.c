/*
 * catalog: an Extism plugin following hyper-mcp's plugin protocol version 2
 * with everything beside tools: prompts, resources, a resource template and
 * completions. Its tool add_tool adds a tool (tool_1, tool_2, ...; the count
 * is the var "tools") and tells the host with notify_tool_list_changed, as
 * hyper-mcp's own tool-list-changed example does. Its tools ask and roots
 * ask the client, through the host (create_elicitation, list_roots).
 */
#include "plugin.h"

EXTISM_USER_IMPORT("notify_tool_list_changed") void hyper_notify_tool_list_changed(void);
EXTISM_USER_IMPORT("create_elicitation") extism_block hyper_create_elicitation(extism_block p);
EXTISM_USER_IMPORT("notify_progress") void hyper_notify_progress(extism_block p);
EXTISM_USER_IMPORT("list_roots") extism_block hyper_list_roots(void);

static uint64_t added(void) {
  extism_block k = block_from_str("tools");
  if (!k) return 0;
  extism_block v = extism_var_get(k);
  extism_free(k);
  return v && extism_length(v) == 8 ? extism_load_u64(v) : 0;
}

EXTISM_EXPORT("list_tools") int32_t list_tools(void) {
  buf_t b = {0};
  buf_puts(&b,
           "{\"tools\":[{\"name\":\"add_tool\",\"description\":\"Adds a tool and says the "
           "list changed\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}},"
           "{\"name\":\"steps\",\"description\":\"Reports progress three times "
           "(notify_progress)\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}},"
           "{\"name\":\"ask\",\"description\":\"Asks the user for a name (elicitation) and "
           "returns the answer as JSON\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}},"
           "{\"name\":\"ask_briefly\",\"description\":\"Asks the user a question, "
           "waiting 300 ms at most\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}},"
           "{\"name\":\"roots\",\"description\":\"Says which roots the client shares "
           "(list_roots)\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}}");
  for (uint64_t i = 1, n = added(); i <= n; i++) {
    buf_puts(&b, ",{\"name\":\"tool_");
    buf_put_u64(&b, i);
    buf_puts(&b, "\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}}");
  }
  buf_puts(&b, "]}");
  int rc = output_bytes(b.p, b.n);
  buf_free(&b);
  return rc;
}

EXTISM_EXPORT("call_tool") int32_t call_tool(void) {
  tool_call c;
  if (!tool_call_read(&c, "request")) return 1;
  if (strcmp(c.name, "add_tool") == 0) {
    uint64_t n = added() + 1;
    extism_block k = block_from_str("tools");
    extism_block v = extism_alloc(8);
    if (!k || !v) return plugin_error("the host refused an allocation");
    extism_store_u64(v, n);
    extism_var_set(k, v);
    extism_free(k);
    hyper_notify_tool_list_changed();
    buf_t b = {0};
    buf_puts(&b, "added tool_");
    buf_put_u64(&b, n);
    return tool_buf(&b, false);
  }
  if (strcmp(c.name, "steps") == 0) {
    for (int i = 1; i <= 3; i++) {
      buf_t m = {0};
      buf_puts(&m, "{\"progress\":");
      buf_put_u64(&m, (uint64_t)i);
      buf_puts(&m, ",\"total\":3,\"message\":\"step ");
      buf_put_u64(&m, (uint64_t)i);
      buf_puts(&m, "\"}");
      extism_block p = block_from(m.p, m.n);
      buf_free(&m);
      if (!p) return plugin_error("the host refused an allocation");
      hyper_notify_progress(p);
      extism_free(p);
    }
    return tool_text("done");
  }
  if (strcmp(c.name, "ask") == 0 || strcmp(c.name, "ask_briefly") == 0) {
    extism_block q = block_from_str(
        strcmp(c.name, "ask") == 0
            ? "{\"message\":\"Your name?\",\"requestedSchema\":{\"type\":\"object\","
              "\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}}"
            : "{\"message\":\"Quick?\",\"requestedSchema\":{\"type\":\"object\","
              "\"properties\":{\"yes\":{\"type\":\"boolean\"}}},\"timeout\":300}");
    if (!q) return plugin_error("the host refused an allocation");
    extism_block a = hyper_create_elicitation(q);
    extism_free(q);
    if (!a) return tool_error("no answer");
    size_t n;
    char *answer = block_read(a, &n);
    return tool_result(answer, n, false);
  }
  if (strcmp(c.name, "roots") == 0) {
    extism_block r = hyper_list_roots();
    if (!r) return tool_error("no roots");
    size_t n;
    char *roots = block_read(r, &n);
    return tool_result(roots, n, false);
  }
  if (strncmp(c.name, "tool_", 5) == 0) return tool_text(c.name);
  return tool_unknown(&c);
}

EXTISM_EXPORT("list_prompts") int32_t list_prompts(void) {
  static const char P[] =
      "{\"prompts\":[{\"name\":\"greeting\",\"description\":\"Greets someone\","
      "\"arguments\":[{\"name\":\"name\",\"description\":\"who\",\"required\":true}]}]}";
  return output_bytes(P, sizeof P - 1);
}

EXTISM_EXPORT("get_prompt") int32_t get_prompt(void) {
  tool_call c;
  if (!tool_call_read(&c, "request")) return 1;
  if (strcmp(c.name, "greeting") != 0) return plugin_error("no such prompt");
  char *who;
  size_t n;
  if (arg_string(&c, "name", &who, &n) != ARG_OK) return plugin_error("argument name is required");
  buf_t text = {0}, b = {0};
  buf_puts(&text, "Say hello to ");
  buf_put(&text, who, n);
  buf_puts(&b, "{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":");
  buf_json_str(&b, text.p, text.n);
  buf_puts(&b, "}}]}");
  buf_free(&text);
  int rc = output_bytes(b.p, b.n);
  buf_free(&b);
  return rc;
}

EXTISM_EXPORT("list_resources") int32_t list_resources(void) {
  static const char R[] =
      "{\"resources\":[{\"uri\":\"memo://readme\",\"name\":\"readme\",\"mimeType\":"
      "\"text/plain\"}]}";
  return output_bytes(R, sizeof R - 1);
}

EXTISM_EXPORT("list_resource_templates") int32_t list_resource_templates(void) {
  static const char T[] =
      "{\"resourceTemplates\":[{\"uriTemplate\":\"memo://notes/{id}\",\"name\":\"note\"}]}";
  return output_bytes(T, sizeof T - 1);
}

EXTISM_EXPORT("read_resource") int32_t read_resource(void) {
  size_t n;
  char *in = input_read(&n);
  const char *e = in + n;
  char *uri = json_string(json_member(json_member(in, e, "request"), e, "uri"), e, NULL);
  if (!uri) return plugin_error("input has no string request.uri");
  buf_t b = {0};
  buf_puts(&b, "{\"contents\":[{\"uri\":");
  buf_json_str(&b, uri, strlen(uri));
  buf_puts(&b, ",\"text\":");
  if (strcmp(uri, "memo://readme") == 0)
    buf_json_str(&b, "read me first", 13);
  else if (strncmp(uri, "memo://notes/", 13) == 0) {
    buf_t t = {0};
    buf_puts(&t, "note ");
    buf_puts(&t, uri + 13);
    buf_json_str(&b, t.p, t.n);
    buf_free(&t);
  } else
    return plugin_error("no such resource");
  buf_puts(&b, "}]}");
  int rc = output_bytes(b.p, b.n);
  buf_free(&b);
  return rc;
}

EXTISM_EXPORT("complete") int32_t complete(void) {
  static const char *const NAMES[] = {"alice", "albert", "bob"};
  size_t n;
  char *in = input_read(&n);
  const char *e = in + n;
  const char *arg = json_member(json_member(in, e, "request"), e, "argument");
  size_t vlen = 0;
  char *value = json_string(json_member(arg, e, "value"), e, &vlen);
  if (!value) return plugin_error("input has no string request.argument.value");
  buf_t b = {0};
  buf_puts(&b, "{\"completion\":{\"values\":[");
  bool first = true;
  for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++) {
    if (strncmp(NAMES[i], value, vlen) != 0) continue;
    if (!first) buf_putc(&b, ',');
    first = false;
    buf_json_str(&b, NAMES[i], strlen(NAMES[i]));
  }
  buf_puts(&b, "]}}");
  int rc = output_bytes(b.p, b.n);
  buf_free(&b);
  return rc;
}
