/*
 * calculator: MCP tools `calculate` and `add` as a WASI command module.
 *
 * The host runs the module with argv = [<tool name>] and the tool's
 * arguments as a JSON object on stdin. The result is written to stdout as a
 * JSON CallToolResult; on failure the exit code is 1 and stderr holds one
 * line "<tool>: <message>".
 *
 *   calculate {expression}  evaluates + - * / % ^, parentheses, unary minus
 *                           and decimal numbers (with optional exponent)
 *   add {a, b}              adds two numbers
 *
 * Grammar (^ is right-associative and binds tighter than unary minus, so
 * -2^2 = -4 and 2^-1 = 0.5):
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?
 *   primary := number | '(' expr ')'
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_args.h"

#define MAX_EXPRESSION 10000
#define MAX_DEPTH 200

static const char *tool = "calculator";

static void fail(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", tool);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ------------------------------------------------------------------------ */
/* number formatting                                                        */

/* Formats a finite v the way JavaScript's Number#toString does: the fewest
 * significant digits that read back as the same double, in positional
 * notation for exponents from -7 to 20 and in exponential notation
 * otherwise. The result is also a valid JSON number. */
static void format_number(double v, char *buf, size_t size) {
    if (v == 0) {
        snprintf(buf, size, "0"); /* also drops the sign of -0 */
        return;
    }
    char sci[40];
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, v);
        if (strtod(sci, NULL) == v) break;
    }
    /* sci is "[-]d[.ddd]e[+-]xx": collect digits and decimal exponent. */
    const char *p = sci;
    int negative = *p == '-';
    if (negative) p++;
    char digits[20];
    int k = 0;
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9') digits[k++] = *p;
    }
    while (k > 1 && digits[k - 1] == '0') k--; /* %.*e may pad with zeros */
    int n = atoi(p + 1) + 1; /* position of the decimal point */

    char *out = buf;
    size_t left = size;
#define PUT(c) do { if (left > 1) { *out++ = (c); left--; } } while (0)
    if (negative) PUT('-');
    if (k <= n && n <= 21) {
        for (int i = 0; i < k; i++) PUT(digits[i]);
        for (int i = k; i < n; i++) PUT('0');
    } else if (0 < n && n <= 21) {
        for (int i = 0; i < n; i++) PUT(digits[i]);
        PUT('.');
        for (int i = n; i < k; i++) PUT(digits[i]);
    } else if (-6 < n && n <= 0) {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -n; i++) PUT('0');
        for (int i = 0; i < k; i++) PUT(digits[i]);
    } else {
        PUT(digits[0]);
        if (k > 1) {
            PUT('.');
            for (int i = 1; i < k; i++) PUT(digits[i]);
        }
        *out = '\0';
        snprintf(out, left, "e%c%d", n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
        return;
    }
#undef PUT
    *out = '\0';
}

static void print_result(double v) {
    char num[40];
    format_number(v, num, sizeof num);
    printf("{\"content\":[{\"type\":\"text\",\"text\":\"%s\"}],"
           "\"structuredContent\":{\"result\":%s},\"isError\":false}\n",
           num, num);
}

/* ------------------------------------------------------------------------ */
/* expression evaluator                                                     */

struct eval {
    const char *s;
    size_t pos;
    int depth;
};

static void skip_space(struct eval *e) {
    while (e->s[e->pos] == ' ' || e->s[e->pos] == '\t' || e->s[e->pos] == '\n' || e->s[e->pos] == '\r')
        e->pos++;
}

/* Reports the character at the current position (1-based). */
static void syntax_error(struct eval *e, const char *expected) {
    unsigned char c = (unsigned char)e->s[e->pos];
    if (c == '\0') fail("syntax error: expected %s at end of expression", expected);
    if (c >= 0x20 && c < 0x7F) fail("syntax error: expected %s, found '%c' at position %zu", expected, c, e->pos + 1);
    fail("syntax error: expected %s, found byte 0x%02x at position %zu", expected, c, e->pos + 1);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static double parse_expr(struct eval *e);
static double parse_unary(struct eval *e);

static double parse_number(struct eval *e) {
    const char *start = e->s + e->pos;
    size_t i = e->pos;
    int digits = 0;
    while (is_digit(e->s[i])) i++, digits++;
    if (e->s[i] == '.') {
        i++;
        while (is_digit(e->s[i])) i++, digits++;
    }
    if (digits == 0) syntax_error(e, "a number or '('");
    if (e->s[i] == 'e' || e->s[i] == 'E') {
        size_t j = i + 1;
        if (e->s[j] == '+' || e->s[j] == '-') j++;
        if (is_digit(e->s[j])) {
            while (is_digit(e->s[j])) j++;
            i = j;
        }
    }
    char tmp[512];
    size_t len = i - e->pos;
    if (len >= sizeof tmp) fail("number at position %zu is too long", e->pos + 1);
    memcpy(tmp, start, len);
    tmp[len] = '\0';
    e->pos = i;
    return strtod(tmp, NULL);
}

static double parse_primary(struct eval *e) {
    skip_space(e);
    if (e->s[e->pos] == '(') {
        size_t open = e->pos;
        if (++e->depth > MAX_DEPTH) fail("expression is nested too deeply");
        e->pos++;
        double v = parse_expr(e);
        skip_space(e);
        if (e->s[e->pos] != ')') {
            if (e->s[e->pos] == '\0') fail("syntax error: '(' at position %zu is never closed", open + 1);
            syntax_error(e, "')'");
        }
        e->pos++;
        e->depth--;
        return v;
    }
    if (is_digit(e->s[e->pos]) || e->s[e->pos] == '.') return parse_number(e);
    syntax_error(e, "a number or '('");
    return 0;
}

static double parse_power(struct eval *e) {
    double base = parse_primary(e);
    skip_space(e);
    if (e->s[e->pos] == '^') {
        e->pos++;
        double exponent = parse_unary(e);
        return pow(base, exponent);
    }
    return base;
}

static double parse_unary(struct eval *e) {
    skip_space(e);
    char c = e->s[e->pos];
    if (c == '-' || c == '+') {
        if (++e->depth > MAX_DEPTH) fail("expression is nested too deeply");
        e->pos++;
        double v = parse_unary(e);
        e->depth--;
        return c == '-' ? -v : v;
    }
    return parse_power(e);
}

static double parse_term(struct eval *e) {
    double v = parse_unary(e);
    for (;;) {
        skip_space(e);
        char op = e->s[e->pos];
        if (op != '*' && op != '/' && op != '%') return v;
        e->pos++;
        double rhs = parse_unary(e);
        if (op == '*') {
            v *= rhs;
        } else if (rhs == 0) {
            fail(op == '/' ? "division by zero" : "modulo by zero");
        } else {
            v = op == '/' ? v / rhs : fmod(v, rhs);
        }
    }
}

static double parse_expr(struct eval *e) {
    double v = parse_term(e);
    for (;;) {
        skip_space(e);
        char op = e->s[e->pos];
        if (op != '+' && op != '-') return v;
        e->pos++;
        double rhs = parse_term(e);
        v = op == '+' ? v + rhs : v - rhs;
    }
}

static double evaluate(const char *s, size_t len) {
    if (strlen(s) != len) fail("expression contains a NUL character");
    if (len > MAX_EXPRESSION) fail("expression is longer than %d characters", MAX_EXPRESSION);
    struct eval e = {s, 0, 0};
    skip_space(&e);
    if (s[e.pos] == '\0') fail("expression is empty");
    double v = parse_expr(&e);
    skip_space(&e);
    if (s[e.pos] != '\0') syntax_error(&e, "an operator");
    if (!isfinite(v)) fail("result is not a finite number");
    return v;
}

/* ------------------------------------------------------------------------ */
/* tools                                                                    */

static const struct json_field *require(const struct json_args *a, const char *key, enum json_type type) {
    const struct json_field *f = json_get(a, key);
    if (!f) fail("invalid arguments: missing required field \"%s\"", key);
    if (f->type != type)
        fail("invalid arguments: field \"%s\" must be a %s", key, type == JSON_STRING ? "string" : "number");
    return f;
}

static void check_known(const struct json_args *a, const char *const *allowed) {
    const struct json_field *f = json_unknown_field(a, allowed);
    if (f) fail("invalid arguments: unknown field \"%s\"", f->key);
}

static void tool_calculate(const struct json_args *a) {
    static const char *const allowed[] = {"expression", NULL};
    check_known(a, allowed);
    const struct json_field *f = require(a, "expression", JSON_STRING);
    print_result(evaluate(f->str, f->str_len));
}

static void tool_add(const struct json_args *a) {
    static const char *const allowed[] = {"a", "b", NULL};
    check_known(a, allowed);
    double x = json_number(require(a, "a", JSON_NUMBER));
    double y = json_number(require(a, "b", JSON_NUMBER));
    double sum = x + y;
    if (!isfinite(x) || !isfinite(y)) fail("invalid arguments: number out of range");
    if (!isfinite(sum)) fail("result is not a finite number");
    print_result(sum);
}

struct tool {
    const char *name;
    void (*run)(const struct json_args *);
};

static const struct tool tools[] = {
    {"calculate", tool_calculate},
    {"add", tool_add},
};

int main(int argc, char **argv) {
    if (argc < 1 || !argv[0]) fail("missing tool name in argv[0]");
    const char *name = argv[0];
    const struct tool *t = NULL;
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        if (strcmp(tools[i].name, name) == 0) t = &tools[i];
    }
    if (!t) fail("unknown tool \"%s\" (expected calculate or add)", name);
    tool = t->name;

    size_t len;
    char *input = json_read_stdin(&len);
    if (!input) fail("invalid arguments: cannot read stdin or input larger than %u bytes", JSON_MAX_INPUT);
    struct json_args args;
    if (json_parse_args(input, len, &args) < 0)
        fail("invalid arguments: %s at offset %zu", args.error, args.error_at);
    t->run(&args);
    return 0;
}
