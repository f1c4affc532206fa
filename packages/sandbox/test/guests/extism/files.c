/*
 * files: an Extism plugin following hyper-mcp's plugin protocol version 1
 * that reaches the file system through WASI (wasi-libc's stdio and
 * dirent), under the directories the host preopens. Tools: read_file
 * {path}, write_file {path, content}, list_dir {path}.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#include "plugin.h"

static const char DESCRIBE[] =
    "{\"tools\":["
    "{\"name\":\"read_file\",\"description\":\"Returns the contents of a file\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
    "\"required\":[\"path\"]}},"
    "{\"name\":\"write_file\",\"description\":\"Creates or replaces a file\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
    "\"content\":{\"type\":\"string\"}},\"required\":[\"path\",\"content\"]}},"
    "{\"name\":\"list_dir\",\"description\":\"Lists a directory's entries, sorted, one per "
    "line (without . and ..)\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
    "\"required\":[\"path\"]}}"
    "]}";

EXTISM_EXPORT("describe") int32_t describe(void) {
  return output_bytes(DESCRIBE, sizeof DESCRIBE - 1);
}

/* "<path>: <strerror(err)>" as a tool error. */
static int os_error(const char *path, int err) {
  buf_t b = {0};
  buf_puts(&b, path);
  buf_puts(&b, ": ");
  buf_puts(&b, strerror(err));
  return tool_buf(&b, true);
}

static int read_file(const tool_call *c) {
  char *path;
  size_t plen;
  int why = arg_string(c, "path", &path, &plen);
  if (why != ARG_OK) return arg_error("path", why, "a string");
  FILE *f = fopen(path, "rb");
  if (!f) return os_error(path, errno);
  buf_t b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_put(&b, chunk, n);
  int err = ferror(f) ? errno : 0;
  fclose(f);
  if (err) {
    buf_free(&b);
    return os_error(path, err);
  }
  return tool_buf(&b, false);
}

static int write_file(const tool_call *c) {
  char *path, *content;
  size_t plen, clen;
  int why = arg_string(c, "path", &path, &plen);
  if (why != ARG_OK) return arg_error("path", why, "a string");
  why = arg_string(c, "content", &content, &clen);
  if (why != ARG_OK) return arg_error("content", why, "a string");
  FILE *f = fopen(path, "wb");
  if (!f) return os_error(path, errno);
  size_t n = fwrite(content, 1, clen, f);
  int err = n < clen ? errno : 0;
  if (fclose(f) != 0 && !err) err = errno;
  if (err) return os_error(path, err);
  buf_t b = {0};
  buf_puts(&b, "wrote ");
  buf_put_u64(&b, n);
  buf_puts(&b, " bytes");
  return tool_buf(&b, false);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const tool_call *c) {
  char *path;
  size_t plen;
  int why = arg_string(c, "path", &path, &plen);
  if (why != ARG_OK) return arg_error("path", why, "a string");
  DIR *d = opendir(path);
  if (!d) return os_error(path, errno);
  char **names = NULL;
  size_t count = 0, cap = 0;
  struct dirent *ent;
  errno = 0;
  while ((ent = readdir(d)) != NULL) {
    if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
      if (!names) __builtin_trap();
    }
    names[count] = strdup(ent->d_name);
    if (!names[count]) __builtin_trap();
    count++;
  }
  int err = errno;
  closedir(d);
  if (err) return os_error(path, err);
  qsort(names, count, sizeof *names, cmp_names);
  buf_t b = {0};
  for (size_t i = 0; i < count; i++) {
    if (i) buf_putc(&b, '\n');
    buf_puts(&b, names[i]);
    free(names[i]);
  }
  free(names);
  return tool_buf(&b, false);
}

EXTISM_EXPORT("call") int32_t call(void) {
  tool_call c;
  if (!tool_call_read(&c, "params")) return 1;
  if (!strcmp(c.name, "read_file")) return read_file(&c);
  if (!strcmp(c.name, "write_file")) return write_file(&c);
  if (!strcmp(c.name, "list_dir")) return list_dir(&c);
  return tool_unknown(&c);
}
