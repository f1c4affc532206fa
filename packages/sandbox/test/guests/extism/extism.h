/*
 * The Extism kernel ABI (import module "extism:host/env") and the one
 * hyper-mcp host function the test plugins use ("extism:host/user").
 *
 * Every "block" argument or result is an address in the host's kernel
 * memory, not in the plugin's linear memory: the plugin moves bytes between
 * the two with load_* / store_* (and reads its input with input_load_*).
 * Address 0 means "no block".
 */
#ifndef MCPKIT_EXTISM_H
#define MCPKIT_EXTISM_H

#include <stdint.h>

#define EXTISM_IMPORT(name) \
  __attribute__((import_module("extism:host/env"), import_name(name)))
#define EXTISM_USER_IMPORT(name) \
  __attribute__((import_module("extism:host/user"), import_name(name)))
#define EXTISM_EXPORT(name) __attribute__((export_name(name)))

typedef uint64_t extism_block;

/* The call's input, addressed from 0. */
EXTISM_IMPORT("input_length") uint64_t extism_input_length(void);
EXTISM_IMPORT("input_load_u8") uint8_t extism_input_load_u8(uint64_t off);
EXTISM_IMPORT("input_load_u64") uint64_t extism_input_load_u64(uint64_t off);

/* Kernel memory. alloc returns 0 on failure; length returns 0 for an
 * address that is not a live block. */
EXTISM_IMPORT("alloc") extism_block extism_alloc(uint64_t n);
EXTISM_IMPORT("free") void extism_free(extism_block p);
EXTISM_IMPORT("length") uint64_t extism_length(extism_block p);
EXTISM_IMPORT("load_u8") uint8_t extism_load_u8(uint64_t p);
EXTISM_IMPORT("load_u64") uint64_t extism_load_u64(uint64_t p);
EXTISM_IMPORT("store_u8") void extism_store_u8(uint64_t p, uint8_t v);
EXTISM_IMPORT("store_u64") void extism_store_u64(uint64_t p, uint64_t v);

/* The call's result: output, or an error message (the export then returns
 * nonzero). */
EXTISM_IMPORT("output_set") void extism_output_set(extism_block p, uint64_t len);
EXTISM_IMPORT("error_set") void extism_error_set(extism_block p);

/* Manifest config (read-only) and plugin variables (kept between calls). A
 * value block of 0 given to var_set deletes the variable. */
EXTISM_IMPORT("config_get") extism_block extism_config_get(extism_block key);
EXTISM_IMPORT("var_get") extism_block extism_var_get(extism_block key);
EXTISM_IMPORT("var_set") void extism_var_set(extism_block key, extism_block value);

/* HTTP: req is a block holding {"url":..,"method":..,"headers":{..}};
 * body is a block or 0. Returns a block with the response body. */
EXTISM_IMPORT("http_request") extism_block extism_http_request(extism_block req, extism_block body);
EXTISM_IMPORT("http_status_code") int32_t extism_http_status_code(void);

EXTISM_IMPORT("log_info") void extism_log_info(extism_block p);
EXTISM_IMPORT("log_debug") void extism_log_debug(extism_block p);
EXTISM_IMPORT("log_warn") void extism_log_warn(extism_block p);
EXTISM_IMPORT("log_error") void extism_log_error(extism_block p);

/* hyper-mcp: p is a block holding {"level":"info","data":...}. */
EXTISM_USER_IMPORT("notify_logging_message") void hyper_notify_logging_message(extism_block p);

#endif
