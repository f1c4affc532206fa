/*
 * echo: MCP tool `echo {text}` as a WASI command module.
 *
 * Returns `text` unchanged as plain text on stdout. It is the trivial tool
 * used for latency benchmarks, so it stays small: no stdio, one read buffer,
 * the decoded string written with a single write loop.
 *
 * The host runs the module with argv = ["echo"] and the arguments as a JSON
 * object on stdin. On failure the exit code is 1 and stderr holds one line
 * "echo: <message>".
 */
#include <string.h>
#include <unistd.h>

#include "json_args.h"

static int write_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fail(const char *a, const char *b, const char *c) {
    write_all(STDERR_FILENO, "echo: ", 6);
    write_all(STDERR_FILENO, a, strlen(a));
    if (b) write_all(STDERR_FILENO, b, strlen(b));
    if (c) write_all(STDERR_FILENO, c, strlen(c));
    write_all(STDERR_FILENO, "\n", 1);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 1 || !argv[0] || strcmp(argv[0], "echo") != 0)
        return fail("unknown tool \"", argc >= 1 && argv[0] ? argv[0] : "", "\"");

    size_t len;
    char *input = json_read_stdin(&len);
    if (!input) return fail("invalid arguments: cannot read stdin or input too large", NULL, NULL);

    struct json_args args;
    if (json_parse_args(input, len, &args) < 0) return fail("invalid arguments: ", args.error, NULL);

    static const char *const allowed[] = {"text", NULL};
    const struct json_field *unknown = json_unknown_field(&args, allowed);
    if (unknown) return fail("invalid arguments: unknown field \"", unknown->key, "\"");

    const struct json_field *text = json_get(&args, "text");
    if (!text) return fail("invalid arguments: missing required field \"text\"", NULL, NULL);
    if (text->type != JSON_STRING) return fail("invalid arguments: field \"text\" must be a string", NULL, NULL);

    if (write_all(STDOUT_FILENO, text->str, text->str_len) < 0) return fail("cannot write to stdout", NULL, NULL);
    return 0;
}
