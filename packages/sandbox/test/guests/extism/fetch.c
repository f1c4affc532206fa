/*
 * fetch: an Extism plugin following hyper-mcp's plugin protocol version 1.
 * Tool fetch {url, method?, body?} makes the request with the host's
 * http_request and returns "<status>\n<body>".
 */
#include "plugin.h"

static const char DESCRIBE[] =
    "{\"tools\":["
    "{\"name\":\"fetch\",\"description\":\"Makes an HTTP request through the host and "
    "returns the status code, a newline and the response body\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{"
    "\"url\":{\"type\":\"string\"},"
    "\"method\":{\"type\":\"string\",\"description\":\"default GET\"},"
    "\"body\":{\"type\":\"string\",\"description\":\"request body\"}},"
    "\"required\":[\"url\"]}}"
    "]}";

EXTISM_EXPORT("describe") int32_t describe(void) {
  return output_bytes(DESCRIBE, sizeof DESCRIBE - 1);
}

static int fetch(const tool_call *c) {
  char *url, *method = NULL, *body = NULL;
  size_t ulen, mlen = 0, blen = 0;
  int why = arg_string(c, "url", &url, &ulen);
  if (why != ARG_OK) return arg_error("url", why, "a string");
  why = arg_string(c, "method", &method, &mlen);
  if (why == ARG_TYPE) return arg_error("method", why, "a string");
  if (why == ARG_MISSING) method = "GET", mlen = 3;
  why = arg_string(c, "body", &body, &blen);
  if (why == ARG_TYPE) return arg_error("body", why, "a string");

  buf_t req = {0};
  buf_puts(&req, "{\"url\":");
  buf_json_str(&req, url, ulen);
  buf_puts(&req, ",\"method\":");
  buf_json_str(&req, method, mlen);
  buf_puts(&req, ",\"headers\":{}}");
  extism_block r = block_from(req.p, req.n);
  buf_free(&req);
  extism_block b = body ? block_from(body, blen) : 0;
  if (!r || (body && blen && !b)) return plugin_error("the host refused an allocation");

  extism_block resp = extism_http_request(r, b);
  int32_t status = extism_http_status_code();
  extism_free(r);
  if (b) extism_free(b);

  if (!resp && status == 0) {
    /* No status and no body: the host made no request (Extism's JS SDK
     * does this outside a worker, logging "http_request is not enabled"). */
    return tool_error("no response: the host's http_request returned nothing and status 0");
  }
  buf_t out = {0};
  buf_put_i64(&out, status);
  buf_putc(&out, '\n');
  if (resp) {
    size_t n;
    char *data = block_read(resp, &n);
    extism_free(resp);
    buf_put(&out, data, n);
    free(data);
  }
  return tool_buf(&out, false);
}

EXTISM_EXPORT("call") int32_t call(void) {
  tool_call c;
  if (!tool_call_read(&c, "params")) return 1;
  if (!strcmp(c.name, "fetch")) return fetch(&c);
  return tool_unknown(&c);
}
