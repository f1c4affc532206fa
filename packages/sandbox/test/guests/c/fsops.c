/*
 * fsops: a WASI preview1 test guest that exercises one filesystem, process or
 * resource operation per run, so sandbox tests can check what a guest is and
 * is not allowed to do.
 *
 *   argv = ["fsops", <command>, args...]
 *
 * Results go to stdout. On failure exactly one line
 *
 *   error: <command> <operand>: <reason>
 *
 * goes to stderr and the exit code is 1. <reason> is the errno name (ENOENT,
 * EACCES, ENOTCAPABLE, ...). Usage errors exit with 2. Commands that only
 * change state (write, mkdir, rm, ...) print nothing on success.
 *
 * The Go guest in ../go/fsops implements the same protocol and output format;
 * ../README.md lists the commands and where the two differ.
 *
 * Build (see scripts/build-guests.sh):
 *   clang --target=wasm32-wasi -O2 -Wall -Wextra -s -Wl,--stack-first \
 *     -Wl,-z,stack-size=1048576 -o ../fsops-c.wasm fsops.c
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>
#include <wasi/libc-find-relpath.h>

extern char **environ;

/* ------------------------------------------------------------------------ */
/* errno names                                                              */

struct errno_name {
    int code;
    const char *name;
};

/* Every errno that WASI preview1 defines (EOPNOTSUPP and EWOULDBLOCK are
 * aliases of ENOTSUP and EAGAIN in wasi-libc and are left out). */
static const struct errno_name errno_names[] = {
    {E2BIG, "E2BIG"}, {EACCES, "EACCES"}, {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EAGAIN, "EAGAIN"}, {EALREADY, "EALREADY"}, {EBADF, "EBADF"},
    {EBADMSG, "EBADMSG"}, {EBUSY, "EBUSY"}, {ECANCELED, "ECANCELED"},
    {ECHILD, "ECHILD"}, {ECONNABORTED, "ECONNABORTED"},
    {ECONNREFUSED, "ECONNREFUSED"}, {ECONNRESET, "ECONNRESET"},
    {EDEADLK, "EDEADLK"}, {EDESTADDRREQ, "EDESTADDRREQ"}, {EDOM, "EDOM"},
    {EDQUOT, "EDQUOT"}, {EEXIST, "EEXIST"}, {EFAULT, "EFAULT"},
    {EFBIG, "EFBIG"}, {EHOSTUNREACH, "EHOSTUNREACH"}, {EIDRM, "EIDRM"},
    {EILSEQ, "EILSEQ"}, {EINPROGRESS, "EINPROGRESS"}, {EINTR, "EINTR"},
    {EINVAL, "EINVAL"}, {EIO, "EIO"}, {EISCONN, "EISCONN"},
    {EISDIR, "EISDIR"}, {ELOOP, "ELOOP"}, {EMFILE, "EMFILE"},
    {EMLINK, "EMLINK"}, {EMSGSIZE, "EMSGSIZE"}, {EMULTIHOP, "EMULTIHOP"},
    {ENAMETOOLONG, "ENAMETOOLONG"}, {ENETDOWN, "ENETDOWN"},
    {ENETRESET, "ENETRESET"}, {ENETUNREACH, "ENETUNREACH"},
    {ENFILE, "ENFILE"}, {ENOBUFS, "ENOBUFS"}, {ENODEV, "ENODEV"},
    {ENOENT, "ENOENT"}, {ENOEXEC, "ENOEXEC"}, {ENOLCK, "ENOLCK"},
    {ENOLINK, "ENOLINK"}, {ENOMEM, "ENOMEM"}, {ENOMSG, "ENOMSG"},
    {ENOPROTOOPT, "ENOPROTOOPT"}, {ENOSPC, "ENOSPC"}, {ENOSYS, "ENOSYS"},
    {ENOTCONN, "ENOTCONN"}, {ENOTDIR, "ENOTDIR"}, {ENOTEMPTY, "ENOTEMPTY"},
    {ENOTRECOVERABLE, "ENOTRECOVERABLE"}, {ENOTSOCK, "ENOTSOCK"},
    {ENOTSUP, "ENOTSUP"}, {ENOTTY, "ENOTTY"}, {ENXIO, "ENXIO"},
    {EOVERFLOW, "EOVERFLOW"}, {EOWNERDEAD, "EOWNERDEAD"}, {EPERM, "EPERM"},
    {EPIPE, "EPIPE"}, {EPROTO, "EPROTO"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"}, {EPROTOTYPE, "EPROTOTYPE"},
    {ERANGE, "ERANGE"}, {EROFS, "EROFS"}, {ESPIPE, "ESPIPE"},
    {ESRCH, "ESRCH"}, {ESTALE, "ESTALE"}, {ETIMEDOUT, "ETIMEDOUT"},
    {ETXTBSY, "ETXTBSY"}, {EXDEV, "EXDEV"}, {ENOTCAPABLE, "ENOTCAPABLE"},
};

static const char *errno_name(int code) {
    static char buf[32];
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++) {
        if (errno_names[i].code == code) return errno_names[i].name;
    }
    snprintf(buf, sizeof buf, "errno %d", code);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* output helpers                                                           */

static const char *cmd_name = "?";

/* Prints "error: <command> <what>: <reason>" and exits 1. */
static int fail(const char *what, const char *reason) {
    fflush(stdout);
    fprintf(stderr, "error: %s %s: %s\n", cmd_name, what, reason);
    exit(1);
}

static int fail_errno(const char *what) { return fail(what, errno_name(errno)); }

static int fail_errno2(const char *a, const char *b) {
    int saved = errno;
    size_t n = strlen(a) + strlen(b) + 2;
    char *what = malloc(n);
    if (!what) return fail(a, errno_name(saved));
    snprintf(what, n, "%s %s", a, b);
    return fail(what, errno_name(saved));
}

/* Writes all of buf to fd; returns 0, or -1 with errno set. A host may
 * hand the guest a non-blocking pipe, so EAGAIN waits a moment and retries. */
static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct timespec ts = {.tv_sec = 0, .tv_nsec = 1000000};
                nanosleep(&ts, NULL);
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copies everything readable from in_fd to stdout. Reads use the raw
 * fd_read call: wasi-libc's read() reports ENOTCAPABLE as EBADF, and the
 * tests want the host's own answer. */
static int copy_fd_to_stdout(int in_fd, const char *what) {
    static char buf[64 * 1024];
    for (;;) {
        __wasi_iovec_t iov = {.buf = (uint8_t *)buf, .buf_len = sizeof buf};
        __wasi_size_t n = 0;
        __wasi_errno_t err = __wasi_fd_read((__wasi_fd_t)in_fd, &iov, 1, &n);
        if (err == __WASI_ERRNO_INTR) continue;
        if (err != 0) return fail(what, errno_name(err));
        if (n == 0) return 0;
        if (write_all(STDOUT_FILENO, buf, n) < 0) return fail_errno(what);
    }
}

static char type_char(mode_t mode) {
    if (S_ISREG(mode)) return 'f';
    if (S_ISDIR(mode)) return 'd';
    if (S_ISLNK(mode)) return 'l';
    return '?';
}

static int parse_long(const char *s, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') return -1;
    *out = v;
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------------------ */
/* file commands                                                            */

static int cmd_cat(char **argv) {
    int fd = open(argv[0], O_RDONLY);
    if (fd < 0) return fail_errno(argv[0]);
    copy_fd_to_stdout(fd, argv[0]);
    close(fd);
    return 0;
}

static int cmd_cat_nofollow(char **argv) {
    int fd = open(argv[0], O_RDONLY | O_NOFOLLOW);
    if (fd < 0) return fail_errno(argv[0]);
    copy_fd_to_stdout(fd, argv[0]);
    close(fd);
    return 0;
}

static int cmd_ls(char **argv) {
    DIR *dir = opendir(argv[0]);
    if (!dir) return fail_errno(argv[0]);

    size_t count = 0, cap = 16;
    char **lines = malloc(cap * sizeof *lines);
    if (!lines) return fail(argv[0], "ENOMEM");

    struct dirent *ent;
    errno = 0;
    while ((ent = readdir(dir)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
        char type;
        switch (ent->d_type) {
        case DT_REG: type = 'f'; break;
        case DT_DIR: type = 'd'; break;
        case DT_LNK: type = 'l'; break;
        default: type = '?'; break;
        }
        if (count == cap) {
            cap *= 2;
            char **grown = realloc(lines, cap * sizeof *lines);
            if (!grown) return fail(argv[0], "ENOMEM");
            lines = grown;
        }
        /* Sort key is the name, so keep the name first and the type after
         * a NUL; printing swaps them back. */
        size_t len = strlen(ent->d_name);
        char *line = malloc(len + 3);
        if (!line) return fail(argv[0], "ENOMEM");
        memcpy(line, ent->d_name, len + 1);
        line[len + 1] = type;
        line[len + 2] = '\0';
        lines[count++] = line;
        errno = 0;
    }
    if (errno != 0) return fail_errno(argv[0]);
    closedir(dir);

    qsort(lines, count, sizeof *lines, cmp_str);
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(lines[i]);
        printf("%c %s\n", lines[i][len + 1], lines[i]);
    }
    return 0;
}

static int write_text(const char *path, const char *text, int flags) {
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0) return fail_errno(path);
    if (write_all(fd, text, strlen(text)) < 0) return fail_errno(path);
    if (close(fd) < 0) return fail_errno(path);
    return 0;
}

static int cmd_write(char **argv) { return write_text(argv[0], argv[1], O_TRUNC); }

static int cmd_append(char **argv) { return write_text(argv[0], argv[1], O_APPEND); }

static int cmd_open_excl(char **argv) {
    int fd = open(argv[0], O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return fail_errno(argv[0]);
    close(fd);
    return 0;
}

static int cmd_mkdir(char **argv) {
    if (mkdir(argv[0], 0755) < 0) return fail_errno(argv[0]);
    return 0;
}

static int cmd_rm(char **argv) {
    if (unlink(argv[0]) < 0) return fail_errno(argv[0]);
    return 0;
}

static int cmd_rmdir(char **argv) {
    if (rmdir(argv[0]) < 0) return fail_errno(argv[0]);
    return 0;
}

static int cmd_mv(char **argv) {
    if (rename(argv[0], argv[1]) < 0) return fail_errno2(argv[0], argv[1]);
    return 0;
}

static int cmd_stat(char **argv) {
    struct stat st;
    if (stat(argv[0], &st) < 0) return fail_errno(argv[0]);
    printf("%c %lld\n", type_char(st.st_mode), (long long)st.st_size);
    return 0;
}

static int cmd_lstat(char **argv) {
    struct stat st;
    if (lstat(argv[0], &st) < 0) return fail_errno(argv[0]);
    printf("%c %lld\n", type_char(st.st_mode), (long long)st.st_size);
    return 0;
}

static int cmd_symlink(char **argv) {
    if (symlink(argv[0], argv[1]) < 0) return fail_errno2(argv[0], argv[1]);
    return 0;
}

static int cmd_link(char **argv) {
    if (link(argv[0], argv[1]) < 0) return fail_errno2(argv[0], argv[1]);
    return 0;
}

static int cmd_readlink(char **argv) {
    char buf[4096];
    ssize_t n = readlink(argv[0], buf, sizeof buf - 1);
    if (n < 0) return fail_errno(argv[0]);
    buf[n] = '\0';
    printf("%s\n", buf);
    return 0;
}

static int cmd_truncate(char **argv) {
    long long size;
    if (parse_long(argv[1], &size) < 0 || size < 0) return fail(argv[0], "EINVAL");
    if (truncate(argv[0], (off_t)size) < 0) return fail_errno(argv[0]);
    return 0;
}

/* Writes through fd with the raw fd_write call. wasi-libc's write() turns
 * ENOTCAPABLE into EBADF; the raw call reports what the host answered, which
 * is what the rofd-write and fdwrite tests want to see. Returns 0 or an
 * errno value. */
static int raw_write(int fd, const char *text, size_t len, size_t *written) {
    __wasi_ciovec_t iov = {.buf = (const uint8_t *)text, .buf_len = len};
    __wasi_size_t n = 0;
    __wasi_errno_t err = __wasi_fd_write((__wasi_fd_t)fd, &iov, 1, &n);
    *written = n;
    return err;
}

/* Opens a file read-only and tries to write through that descriptor. The
 * expected outcome is a refused write; a successful one is a sandbox bug. */
static int cmd_rofd_write(char **argv) {
    int fd = open(argv[0], O_RDONLY);
    if (fd < 0) return fail_errno(argv[0]);
    size_t n;
    int err = raw_write(fd, "x", 1, &n);
    close(fd);
    if (err != 0) {
        printf("write-refused %s\n", errno_name(err));
        return 0;
    }
    printf("write-accepted %zu\n", n);
    return fail(argv[0], "write on read-only descriptor succeeded");
}

/* Opens a file for reading but, as Go's wasip1 runtime does for os.Open,
 * also asks for the right to change its size, then tries to truncate it to
 * zero through that descriptor. A host that maps a read-only grant to
 * "no FD_WRITE right" alone lets this through; the expected outcome is a
 * refusal. The file is left untouched when the truncate is refused. */
static int cmd_rofd_truncate(char **argv) {
    const char *prefix;
    char buf[4096];
    char *rel = buf;
    int dirfd = __wasilibc_find_relpath(argv[0], &prefix, &rel, sizeof buf);
    if (dirfd < 0) return fail(argv[0], "ENOTCAPABLE");
    __wasi_rights_t rights = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |
                             __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE;
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open((__wasi_fd_t)dirfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, rel, 0,
                                          rights, 0, 0, &fd);
    if (err != 0) return fail(argv[0], errno_name(err));
    err = __wasi_fd_filestat_set_size(fd, 0);
    (void)__wasi_fd_close(fd);
    if (err != 0) {
        printf("truncate-refused %s\n", errno_name(err));
        return 0;
    }
    printf("truncate-accepted\n");
    return fail(argv[0], "truncate on read-only descriptor succeeded");
}

/* Writes text to a raw descriptor number, typically one that was never
 * opened. Prints nothing on success. */
static int cmd_fdwrite(char **argv) {
    long long fd;
    if (parse_long(argv[0], &fd) < 0 || fd < 0 || fd > INT32_MAX) return fail(argv[0], "EINVAL");
    fflush(stdout);
    const char *p = argv[1];
    size_t len = strlen(p);
    while (len > 0) {
        size_t n;
        int err = raw_write((int)fd, p, len, &n);
        if (err != 0) return fail(argv[0], errno_name(err));
        p += n;
        len -= n;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* process commands                                                         */

static int cmd_env(char **argv) {
    if (argv[0] != NULL) {
        const char *v = getenv(argv[0]);
        if (!v) return fail(argv[0], "unset");
        printf("%s\n", v);
        return 0;
    }
    size_t count = 0;
    while (environ && environ[count]) count++;
    char **sorted = malloc((count + 1) * sizeof *sorted);
    if (!sorted) return fail("", "ENOMEM");
    for (size_t i = 0; i < count; i++) sorted[i] = environ[i];
    qsort(sorted, count, sizeof *sorted, cmp_str);
    for (size_t i = 0; i < count; i++) printf("%s\n", sorted[i]);
    return 0;
}

static int g_argc;
static char **g_argv;

static int cmd_args(char **argv) {
    (void)argv;
    for (int i = 0; i < g_argc; i++) printf("%s\n", g_argv[i]);
    return 0;
}

static int cmd_echo(char **argv) {
    for (int i = 0; argv[i]; i++) {
        if (i > 0) putchar(' ');
        fputs(argv[i], stdout);
    }
    putchar('\n');
    return 0;
}

static int cmd_stderr(char **argv) {
    fprintf(stderr, "%s\n", argv[0]);
    return 0;
}

static int cmd_stdin(char **argv) {
    (void)argv;
    return copy_fd_to_stdout(STDIN_FILENO, "stdin");
}

static int cmd_exit(char **argv) {
    long long code;
    if (parse_long(argv[0], &code) < 0) return fail(argv[0], "EINVAL");
    fflush(stdout);
    exit((int)code);
}

static int cmd_clock(char **argv) {
    (void)argv;
    struct timespec rt, m1, m2;
    if (clock_gettime(CLOCK_REALTIME, &rt) < 0) return fail("realtime", errno_name(errno));
    if (clock_gettime(CLOCK_MONOTONIC, &m1) < 0) return fail("monotonic", errno_name(errno));
    if (clock_gettime(CLOCK_MONOTONIC, &m2) < 0) return fail("monotonic", errno_name(errno));
    if (rt.tv_sec < 1577836800) return fail("realtime", "before 2020-01-01");
    if (m2.tv_sec < m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec < m1.tv_nsec))
        return fail("monotonic", "went backwards");
    printf("ok\n");
    return 0;
}

static int cmd_random(char **argv) {
    long long n;
    if (parse_long(argv[0], &n) < 0 || n < 0 || n > (64 << 20)) return fail(argv[0], "EINVAL");
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf) return fail(argv[0], "ENOMEM");
    memset(buf, 0, (size_t)n);
    /* getentropy() takes at most 256 bytes per call. */
    for (long long off = 0; off < n; off += 256) {
        size_t chunk = (size_t)(n - off < 256 ? n - off : 256);
        if (getentropy(buf + off, chunk) < 0) return fail_errno(argv[0]);
    }
    int nonzero = 0;
    for (long long i = 0; i < n; i++) nonzero |= buf[i];
    printf("%lld %s\n", n, nonzero ? "nonzero" : "zero");
    return 0;
}

static int cmd_sleep(char **argv) {
    long long ms;
    if (parse_long(argv[0], &ms) < 0 || ms < 0) return fail(argv[0], "EINVAL");
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    if (nanosleep(&ts, NULL) < 0) return fail_errno(argv[0]);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* adversarial commands                                                     */

struct chunk {
    struct chunk *next;
};

static struct chunk *volatile chunks;

/* Allocates and touches 1 MiB at a time until allocation fails. */
static int cmd_membomb(char **argv) {
    (void)argv;
    const size_t size = 1 << 20;
    for (;;) {
        struct chunk *c = malloc(size);
        if (!c) {
            printf("oom\n");
            fflush(stdout);
            exit(3);
        }
        /* Touch every page so the memory is really committed. */
        volatile char *p = (volatile char *)c;
        for (size_t i = 0; i < size; i += 4096) p[i] = (char)i;
        c->next = chunks;
        chunks = c;
    }
}

static volatile unsigned long long spin_counter;

static int cmd_spin(char **argv) {
    (void)argv;
    for (;;) spin_counter++;
}

static volatile int recurse_sink;

/* Each frame keeps a buffer on the stack and uses the callee's result, so
 * the call is neither a tail call nor removable. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static int recurse(int depth) {
    volatile char frame[128];
    frame[depth & 127] = (char)depth;
    int below = recurse(depth + 1);
    return below + frame[(depth * 7) & 127];
}
#pragma clang diagnostic pop

static int cmd_recurse(char **argv) {
    (void)argv;
    recurse_sink = recurse(0);
    return 0;
}

static int cmd_flood(char **argv) {
    (void)argv;
    static char buf[64 * 1024];
    memset(buf, 'x', sizeof buf);
    for (size_t i = 63; i < sizeof buf; i += 64) buf[i] = '\n';
    for (;;) {
        if (write_all(STDOUT_FILENO, buf, sizeof buf) < 0) {
            fprintf(stderr, "error: flood stdout: %s\n", errno_name(errno));
            exit(4);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* dispatch                                                                 */

struct command {
    const char *name;
    int min_args;
    int max_args; /* -1: unlimited */
    int (*run)(char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"cat", 1, 1, cmd_cat, "cat <path>"},
    {"cat-nofollow", 1, 1, cmd_cat_nofollow, "cat-nofollow <path>"},
    {"ls", 1, 1, cmd_ls, "ls <dir>"},
    {"write", 2, 2, cmd_write, "write <path> <text>"},
    {"append", 2, 2, cmd_append, "append <path> <text>"},
    {"open-excl", 1, 1, cmd_open_excl, "open-excl <path>"},
    {"mkdir", 1, 1, cmd_mkdir, "mkdir <path>"},
    {"rm", 1, 1, cmd_rm, "rm <path>"},
    {"rmdir", 1, 1, cmd_rmdir, "rmdir <path>"},
    {"mv", 2, 2, cmd_mv, "mv <from> <to>"},
    {"stat", 1, 1, cmd_stat, "stat <path>"},
    {"lstat", 1, 1, cmd_lstat, "lstat <path>"},
    {"symlink", 2, 2, cmd_symlink, "symlink <target> <linkpath>"},
    {"link", 2, 2, cmd_link, "link <existing> <new>"},
    {"readlink", 1, 1, cmd_readlink, "readlink <path>"},
    {"truncate", 2, 2, cmd_truncate, "truncate <path> <size>"},
    {"rofd-write", 1, 1, cmd_rofd_write, "rofd-write <path>"},
    {"rofd-truncate", 1, 1, cmd_rofd_truncate, "rofd-truncate <path>"},
    {"fdwrite", 2, 2, cmd_fdwrite, "fdwrite <fd> <text>"},
    {"env", 0, 1, cmd_env, "env [KEY]"},
    {"args", 0, -1, cmd_args, "args [...]"},
    {"echo", 0, -1, cmd_echo, "echo [text...]"},
    {"stderr", 1, 1, cmd_stderr, "stderr <text>"},
    {"stdin", 0, 0, cmd_stdin, "stdin"},
    {"exit", 1, 1, cmd_exit, "exit <code>"},
    {"clock", 0, 0, cmd_clock, "clock"},
    {"random", 1, 1, cmd_random, "random <n>"},
    {"sleep", 1, 1, cmd_sleep, "sleep <ms>"},
    {"membomb", 0, 0, cmd_membomb, "membomb"},
    {"spin", 0, 0, cmd_spin, "spin"},
    {"recurse", 0, 0, cmd_recurse, "recurse"},
    {"flood", 0, 0, cmd_flood, "flood"},
};

static void usage(void) {
    fprintf(stderr, "usage: fsops <command> [args...]\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "  %s\n", commands[i].usage);
}

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    if (argc < 2) {
        usage();
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0) continue;
        int nargs = argc - 2;
        if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args)) {
            fprintf(stderr, "error: usage: fsops %s\n", c->usage);
            return 2;
        }
        cmd_name = c->name;
        int rc = c->run(argv + 2);
        fflush(stdout);
        return rc;
    }
    fprintf(stderr, "error: %s: unknown command\n", argv[1]);
    usage();
    return 2;
}
