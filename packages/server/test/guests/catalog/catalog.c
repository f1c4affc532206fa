/*
 * catalog: a WASI command module that serves prompts, resources, a resource
 * template and completions (listed in catalog.tools.json), for the server's
 * tests. The host runs it with argv[0] naming the MCP method:
 *
 *   prompts/get <name>          stdin: the prompt's arguments
 *   resources/read <uri>        stdin: the template's variables
 *   completion/complete prompt|resource <name> <argument> <value>
 *   count-notes                 the one tool; it logs one info and one warning line
 *
 * It answers in both forms the host takes: a JSON result on stdout, or plain
 * text. On failure the exit code is 1 and stderr says why.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json_args.h"

static int fail(const char *what, const char *detail) {
    fprintf(stderr, "catalog: %s%s\n", what, detail ? detail : "");
    return 1;
}

/* Writes `s` as a JSON string. */
static void json_str(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static const char *arg(const struct json_args *a, const char *key) {
    const struct json_field *f = json_get(a, key);
    return f && f->type == JSON_STRING ? f->str : NULL;
}

static int prompt(const char *name, const struct json_args *a) {
    if (strcmp(name, "greeting") == 0) {
        const char *who = arg(a, "name");
        if (!who) return fail("greeting needs a name", NULL);
        char text[512];
        snprintf(text, sizeof text, "Say hello to %s.", who);
        printf("{\"description\":\"A greeting\",\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":");
        json_str(text);
        printf("}}]}\n");
        return 0;
    }
    if (strcmp(name, "summary") == 0) {
        printf("Summarise the notes.\n");
        return 0;
    }
    return fail("no such prompt: ", name);
}

static int resource(const char *uri, const struct json_args *a) {
    if (strcmp(uri, "notes://readme") == 0) {
        printf("Notes are kept by day.");
        return 0;
    }
    if (strcmp(uri, "notes://private") == 0) {
        printf("private notes");
        return 0;
    }
    const char *day = arg(a, "day");
    if (strncmp(uri, "notes://day/", 12) == 0 && day) {
        char text[256];
        snprintf(text, sizeof text, "# Notes for %s", day);
        printf("{\"contents\":[{\"uri\":");
        json_str(uri);
        printf(",\"mimeType\":\"text/markdown\",\"text\":");
        json_str(text);
        printf("}]}\n");
        return 0;
    }
    return fail("no such resource: ", uri);
}

static int complete(int argc, char **argv) {
    static const char *const names[] = {"Ada", "Alan", "Grace", NULL};
    static const char *const days[] = {"2024-01-01", "2024-01-02", NULL};
    if (argc < 5) return fail("completion/complete needs kind, name, argument and value", NULL);
    const char *const *list = strcmp(argv[3], "name") == 0 ? names
                              : strcmp(argv[3], "day") == 0 ? days
                                                             : NULL;
    if (!list) return 0;
    size_t n = strlen(argv[4]);
    for (int i = 0; list[i]; i++)
        if (strncmp(list[i], argv[4], n) == 0) printf("%s\n", list[i]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 1) return fail("no method", NULL);
    const char *method = argv[0];
    if (strcmp(method, "count-notes") == 0) {
        fprintf(stderr, "counting notes\n");
        fprintf(stderr, "warning: the count is approximate\n");
        printf("3\n");
        return 0;
    }
    if (strcmp(method, "completion/complete") == 0) return complete(argc, argv);
    if (argc < 2) return fail("missing the name or uri after ", method);
    size_t len;
    char *input = json_read_stdin(&len);
    if (!input) return fail("cannot read stdin", NULL);
    struct json_args args;
    if (json_parse_args(input, len, &args) < 0) return fail("stdin is not a JSON object: ", args.error);
    if (strcmp(method, "prompts/get") == 0) return prompt(argv[1], &args);
    if (strcmp(method, "resources/read") == 0) return resource(argv[1], &args);
    return fail("unknown method: ", method);
}
