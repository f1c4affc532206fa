/*
 * evil: an adversarial Extism plugin (hyper-mcp protocol version 1). Each
 * tool is one attack on the host: kernel addresses out of any block,
 * impossible output lengths, bogus block handles, unbounded allocation,
 * variables, logging and linear memory, and a call that never returns.
 * A host must survive every one of them (refuse, trap the call, or stop it
 * at a limit) and go on serving other calls.
 */
#include "plugin.h"

#define TOOL(name, desc)                                                          \
  "{\"name\":\"" name "\",\"description\":\"" desc "\",\"inputSchema\":{\"type\":" \
  "\"object\",\"properties\":{}}}"

static const char DESCRIBE[] =
    "{\"tools\":["
    TOOL("oob_load", "load_u64 at kernel address 0x7fffffffffffff00") ","
    TOOL("oob_store", "store_u64 at kernel address 0x7fffffffffffff00") ","
    TOOL("oob_input", "input_load_u64 at input_length() + 4096") ","
    TOOL("oob_output", "output_set of a 16-byte block with length 1<<40") ","
    TOOL("bad_error", "error_set(0xdeadbeef), then returns 1") ","
    TOOL("bad_length", "length(0x123456789), reported as text") ","
    TOOL("bad_free", "free(0xdeadbeef), then returns ok") ","
    TOOL("bad_config", "config_get(0xffffffffffff), reported as text") ","
    TOOL("huge_alloc", "alloc(1<<62), reported as text") ","
    TOOL("alloc_bomb", "allocates 1 MiB blocks and writes a byte into each, never "
                       "freeing, until alloc returns 0") ","
    TOOL("output_flood", "output_set of a 64 MiB block") ","
    TOOL("var_bomb", "var_set of 64 KiB values under new names, without end") ","
    TOOL("log_flood", "log_info of a 4 KiB message 1,000,000 times") ","
    TOOL("spin", "loops forever") ","
    TOOL("grow_bomb", "grows linear memory until memory.grow of one page fails, then "
                      "reports the page count") ","
    TOOL("heap_then_grow", "allocates 8 MiB of kernel memory, then grows linear memory "
                           "until memory.grow of one page fails, and reports the page count")
    "]}";

EXTISM_EXPORT("describe") int32_t describe(void) {
  return output_bytes(DESCRIBE, sizeof DESCRIBE - 1);
}

#define FAR_ADDR 0x7fffffffffffff00ull

/* "<what> = <v> (<hex>)" as the tool's text. */
static int report(const char *what, uint64_t v) {
  buf_t b = {0};
  buf_puts(&b, what);
  buf_puts(&b, " = ");
  buf_put_u64(&b, v);
  buf_puts(&b, " (");
  buf_put_hex(&b, v);
  buf_puts(&b, ")");
  return tool_buf(&b, false);
}

static int oob_load(void) { return report("load_u64", extism_load_u64(FAR_ADDR)); }

static int oob_store(void) {
  extism_store_u64(FAR_ADDR, 0x4141414141414141ull);
  return tool_text("stored");
}

static int oob_input(void) {
  return report("input_load_u64", extism_input_load_u64(extism_input_length() + 4096));
}

static int oob_output(void) {
  extism_block p = extism_alloc(16);
  extism_output_set(p, 1ull << 40);
  return 0;
}

static int bad_error(void) {
  extism_error_set(0xdeadbeef);
  return 1;
}

static int bad_length(void) { return report("length", extism_length(0x123456789ull)); }

static int bad_free(void) {
  extism_free(0xdeadbeef);
  return tool_text("ok");
}

static int bad_config(void) { return report("config_get", extism_config_get(0xffffffffffffull)); }

static int huge_alloc(void) { return report("alloc", extism_alloc(1ull << 62)); }

static int alloc_bomb(void) {
  uint64_t n = 0;
  for (;;) {
    extism_block p = extism_alloc(1 << 20);
    if (!p) break;
    extism_store_u8(p + (n % (1 << 20)), 1);
    n++;
  }
  return report("MiB allocated before alloc returned 0", n);
}

static int output_flood(void) {
  const uint64_t size = 64ull << 20;
  extism_block p = extism_alloc(size);
  if (!p) return tool_error("alloc of 64 MiB returned 0");
  extism_store_u8(p + size - 1, 1);
  extism_output_set(p, size);
  return 0;
}

static int var_bomb(void) {
  const uint64_t size = 64 << 10;
  for (uint64_t i = 0;; i++) {
    buf_t name = {0};
    buf_puts(&name, "bomb-");
    buf_put_u64(&name, i);
    extism_block k = block_from(name.p, name.n);
    buf_free(&name);
    extism_block v = extism_alloc(size);
    if (!k || !v) return report("variables set before alloc returned 0", i);
    extism_store_u8(v + size - 1, 1);
    extism_var_set(k, v);
    extism_free(k);
  }
}

static int log_flood(void) {
  static char msg[4096];
  memset(msg, 'L', sizeof msg);
  extism_block p = block_from(msg, sizeof msg);
  if (!p) return tool_error("alloc of 4 KiB returned 0");
  for (int i = 0; i < 1000000; i++) extism_log_info(p);
  return tool_text("logged 1000000 times");
}

static int spin(void) {
  volatile uint64_t counter = 0;
  for (;;) counter++;
}

/* Grows by 64 MiB at a time, halving the step whenever memory.grow fails,
 * until even one page fails: a page at a time would take minutes to reach
 * 4 GiB under V8, where each grow costs about a millisecond. */
static int grow_bomb(void) {
  uint64_t grown = 0;
  for (size_t step = 1024; step;) {
    if (__builtin_wasm_memory_grow(0, step) != (size_t)-1)
      grown += step;
    else
      step /= 2;
  }
  buf_t b = {0};
  buf_puts(&b, "memory.grow failed at ");
  buf_put_u64(&b, __builtin_wasm_memory_size(0));
  buf_puts(&b, " pages (grew ");
  buf_put_u64(&b, grown);
  buf_puts(&b, ")");
  return tool_buf(&b, false);
}

/* The kernel heap first, then linear memory: the two share one limit, so the
 * linear memory must stop short of what the heap holds. Room is kept for
 * the report: 64 KiB of malloc'd memory, freed for it, and a kernel block,
 * freed for the report's own to reuse. */
static int heap_then_grow(void) {
  void *reserve = malloc(64 << 10);
  if (!reserve) return tool_error("malloc of 64 KiB returned NULL");
  extism_block blocks[8];
  for (int i = 0; i < 8; i++) {
    blocks[i] = extism_alloc(1 << 20);
    if (!blocks[i]) return tool_error("alloc of 1 MiB returned 0");
    extism_store_u8(blocks[i] + (1 << 20) - 1, 1);
  }
  size_t step = 1024;
  while (step) {
    if (__builtin_wasm_memory_grow(0, step) == (size_t)-1) step /= 2;
  }
  free(reserve);
  extism_free(blocks[7]);
  buf_t b = {0};
  buf_puts(&b, "memory.grow failed at ");
  buf_put_u64(&b, __builtin_wasm_memory_size(0));
  buf_puts(&b, " pages");
  return tool_buf(&b, false);
}

EXTISM_EXPORT("call") int32_t call(void) {
  tool_call c;
  if (!tool_call_read(&c, "params")) return 1;
  static const struct {
    const char *name;
    int (*fn)(void);
  } tools[] = {
      {"oob_load", oob_load},     {"oob_store", oob_store},   {"oob_input", oob_input},
      {"oob_output", oob_output}, {"bad_error", bad_error},   {"bad_length", bad_length},
      {"bad_free", bad_free},     {"bad_config", bad_config}, {"huge_alloc", huge_alloc},
      {"alloc_bomb", alloc_bomb}, {"output_flood", output_flood}, {"var_bomb", var_bomb},
      {"log_flood", log_flood},   {"spin", spin},             {"grow_bomb", grow_bomb},
      {"heap_then_grow", heap_then_grow},
  };
  for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
    if (!strcmp(c.name, tools[i].name)) return tools[i].fn();
  return tool_unknown(&c);
}
