// Command fsops is the Go build of the sandbox test guest. It speaks the same
// command-line protocol as ../../c/fsops.c:
//
//	argv = ["fsops", <command>, args...]
//
// Results go to stdout. On failure exactly one line
//
//	error: <command> <operand>: <reason>
//
// goes to stderr and the exit code is 1. <reason> is the WASI errno name
// (ENOENT, EACCES, ENOTCAPABLE, ...) when the error carries a syscall.Errno,
// otherwise Go's error text. Usage errors exit with 2.
//
// Differences from the C guest that follow from the Go runtime:
//   - Paths are cleaned lexically before they reach the host, so
//     "/data/../../etc/passwd" becomes "/etc/passwd". A path under no
//     preopened directory is sent to the host with descriptor -1 and fails
//     with EBADF, where wasi-libc fails it with ENOTCAPABLE without asking the
//     host. Use the C guest to test the host's own ".." handling.
//   - Relative paths resolve against $PWD or the first preopened directory;
//     wasi-libc resolves them against "/".
//   - membomb cannot observe allocation failure: the runtime aborts with
//     "fatal error: out of memory" (exit 2) instead of printing "oom".
//   - recurse ends in a Go "stack overflow" fatal error (exit 2) or a trap,
//     depending on which limit the host hits first.
//
// ../../README.md lists the commands.
//
// Build (see scripts/build-guests.sh):
//
//	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o ../../fsops-go.wasm .
package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errnoNames maps every WASI preview1 errno to its name.
var errnoNames = map[syscall.Errno]string{
	syscall.E2BIG: "E2BIG", syscall.EACCES: "EACCES", syscall.EADDRINUSE: "EADDRINUSE",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL", syscall.EAFNOSUPPORT: "EAFNOSUPPORT",
	syscall.EAGAIN: "EAGAIN", syscall.EALREADY: "EALREADY", syscall.EBADF: "EBADF",
	syscall.EBADMSG: "EBADMSG", syscall.EBUSY: "EBUSY", syscall.ECANCELED: "ECANCELED",
	syscall.ECHILD: "ECHILD", syscall.ECONNABORTED: "ECONNABORTED",
	syscall.ECONNREFUSED: "ECONNREFUSED", syscall.ECONNRESET: "ECONNRESET",
	syscall.EDEADLK: "EDEADLK", syscall.EDESTADDRREQ: "EDESTADDRREQ", syscall.EDOM: "EDOM",
	syscall.EDQUOT: "EDQUOT", syscall.EEXIST: "EEXIST", syscall.EFAULT: "EFAULT",
	syscall.EFBIG: "EFBIG", syscall.EHOSTUNREACH: "EHOSTUNREACH", syscall.EIDRM: "EIDRM",
	syscall.EILSEQ: "EILSEQ", syscall.EINPROGRESS: "EINPROGRESS", syscall.EINTR: "EINTR",
	syscall.EINVAL: "EINVAL", syscall.EIO: "EIO", syscall.EISCONN: "EISCONN",
	syscall.EISDIR: "EISDIR", syscall.ELOOP: "ELOOP", syscall.EMFILE: "EMFILE",
	syscall.EMLINK: "EMLINK", syscall.EMSGSIZE: "EMSGSIZE", syscall.EMULTIHOP: "EMULTIHOP",
	syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.ENETDOWN: "ENETDOWN",
	syscall.ENETRESET: "ENETRESET", syscall.ENETUNREACH: "ENETUNREACH",
	syscall.ENFILE: "ENFILE", syscall.ENOBUFS: "ENOBUFS", syscall.ENODEV: "ENODEV",
	syscall.ENOENT: "ENOENT", syscall.ENOEXEC: "ENOEXEC", syscall.ENOLCK: "ENOLCK",
	syscall.ENOLINK: "ENOLINK", syscall.ENOMEM: "ENOMEM", syscall.ENOMSG: "ENOMSG",
	syscall.ENOPROTOOPT: "ENOPROTOOPT", syscall.ENOSPC: "ENOSPC", syscall.ENOSYS: "ENOSYS",
	syscall.ENOTCONN: "ENOTCONN", syscall.ENOTDIR: "ENOTDIR", syscall.ENOTEMPTY: "ENOTEMPTY",
	syscall.ENOTRECOVERABLE: "ENOTRECOVERABLE", syscall.ENOTSOCK: "ENOTSOCK",
	syscall.ENOTSUP: "ENOTSUP", syscall.ENOTTY: "ENOTTY", syscall.ENXIO: "ENXIO",
	syscall.EOVERFLOW: "EOVERFLOW", syscall.EOWNERDEAD: "EOWNERDEAD", syscall.EPERM: "EPERM",
	syscall.EPIPE: "EPIPE", syscall.EPROTO: "EPROTO",
	syscall.EPROTONOSUPPORT: "EPROTONOSUPPORT", syscall.EPROTOTYPE: "EPROTOTYPE",
	syscall.ERANGE: "ERANGE", syscall.EROFS: "EROFS", syscall.ESPIPE: "ESPIPE",
	syscall.ESRCH: "ESRCH", syscall.ESTALE: "ESTALE", syscall.ETIMEDOUT: "ETIMEDOUT",
	syscall.ETXTBSY: "ETXTBSY", syscall.EXDEV: "EXDEV", syscall.ENOTCAPABLE: "ENOTCAPABLE",
}

// reason turns an error into the errno name if it carries one.
func reason(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			return name
		}
		return fmt.Sprintf("errno %d", int(errno))
	}
	return err.Error()
}

// retryWriter writes everything it is given, waiting and retrying when the
// host hands the guest a non-blocking pipe that is full (EAGAIN).
type retryWriter struct{ f *os.File }

func (w retryWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		n, err := w.f.Write(p)
		total += n
		p = p[n:]
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				time.Sleep(time.Millisecond)
				continue
			}
			return total, err
		}
	}
	return total, nil
}

var (
	cmdName   = "?"
	rawStdout = retryWriter{os.Stdout}
	stdout    = bufio.NewWriterSize(rawStdout, 64*1024)
)

func exit(code int) {
	stdout.Flush()
	os.Exit(code)
}

// fail prints "error: <command> <what>: <why>" and exits 1.
func fail(what, why string) {
	stdout.Flush()
	fmt.Fprintf(os.Stderr, "error: %s %s: %s\n", cmdName, what, why)
	os.Exit(1)
}

func failErr(what string, err error) { fail(what, reason(err)) }

func typeChar(mode fs.FileMode) byte {
	switch {
	case mode.IsRegular():
		return 'f'
	case mode.IsDir():
		return 'd'
	case mode&fs.ModeSymlink != 0:
		return 'l'
	}
	return '?'
}

func parseInt(what, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fail(what, "EINVAL")
	}
	return v
}

// ---------------------------------------------------------------------------
// file commands

func cat(path string, flags int) {
	f, err := os.OpenFile(path, os.O_RDONLY|flags, 0)
	if err != nil {
		failErr(path, err)
	}
	defer f.Close()
	if _, err := io.Copy(stdout, f); err != nil {
		failErr(path, err)
	}
}

func cmdCat(a []string)         { cat(a[0], 0) }
func cmdCatNofollow(a []string) { cat(a[0], syscall.O_NOFOLLOW) }

func cmdLs(a []string) {
	entries, err := os.ReadDir(a[0]) // sorted by name, bytewise
	if err != nil {
		failErr(a[0], err)
	}
	for _, e := range entries {
		fmt.Fprintf(stdout, "%c %s\n", typeChar(e.Type()), e.Name())
	}
}

func writeText(path, text string, flags int) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flags, 0o644)
	if err != nil {
		failErr(path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		failErr(path, err)
	}
	if err := f.Close(); err != nil {
		failErr(path, err)
	}
}

func cmdWrite(a []string)  { writeText(a[0], a[1], os.O_TRUNC) }
func cmdAppend(a []string) { writeText(a[0], a[1], os.O_APPEND) }

func cmdOpenExcl(a []string) {
	f, err := os.OpenFile(a[0], os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		failErr(a[0], err)
	}
	f.Close()
}

func cmdMkdir(a []string) {
	if err := os.Mkdir(a[0], 0o755); err != nil {
		failErr(a[0], err)
	}
}

func cmdRm(a []string) {
	// os.Remove falls back to rmdir; unlink only, like the C guest.
	if err := syscall.Unlink(a[0]); err != nil {
		failErr(a[0], err)
	}
}

func cmdRmdir(a []string) {
	if err := syscall.Rmdir(a[0]); err != nil {
		failErr(a[0], err)
	}
}

func cmdMv(a []string) {
	if err := os.Rename(a[0], a[1]); err != nil {
		failErr(a[0]+" "+a[1], err)
	}
}

func cmdStat(a []string) {
	fi, err := os.Stat(a[0])
	if err != nil {
		failErr(a[0], err)
	}
	fmt.Fprintf(stdout, "%c %d\n", typeChar(fi.Mode()), fi.Size())
}

func cmdLstat(a []string) {
	fi, err := os.Lstat(a[0])
	if err != nil {
		failErr(a[0], err)
	}
	fmt.Fprintf(stdout, "%c %d\n", typeChar(fi.Mode()), fi.Size())
}

func cmdSymlink(a []string) {
	if err := os.Symlink(a[0], a[1]); err != nil {
		failErr(a[0]+" "+a[1], err)
	}
}

func cmdLink(a []string) {
	if err := os.Link(a[0], a[1]); err != nil {
		failErr(a[0]+" "+a[1], err)
	}
}

func cmdReadlink(a []string) {
	target, err := os.Readlink(a[0])
	if err != nil {
		failErr(a[0], err)
	}
	fmt.Fprintf(stdout, "%s\n", target)
}

func cmdTruncate(a []string) {
	size := parseInt(a[0], a[1])
	if size < 0 {
		fail(a[0], "EINVAL")
	}
	if err := os.Truncate(a[0], size); err != nil {
		failErr(a[0], err)
	}
}

// cmdRofdWrite opens a file read-only and tries to write through that
// descriptor. A refused write is the expected outcome; success is a sandbox bug.
func cmdRofdWrite(a []string) {
	f, err := os.Open(a[0])
	if err != nil {
		failErr(a[0], err)
	}
	defer f.Close()
	n, err := f.Write([]byte("x"))
	if err != nil {
		fmt.Fprintf(stdout, "write-refused %s\n", reason(err))
		return
	}
	fmt.Fprintf(stdout, "write-accepted %d\n", n)
	fail(a[0], "write on read-only descriptor succeeded")
}

// cmdRofdTruncate opens a file with os.Open, which on wasip1 asks for the
// right to change the file size even though the file is opened for reading,
// and then tries to truncate it to zero. The expected outcome is a refusal.
func cmdRofdTruncate(a []string) {
	f, err := os.Open(a[0])
	if err != nil {
		failErr(a[0], err)
	}
	err = f.Truncate(0)
	f.Close()
	if err != nil {
		fmt.Fprintf(stdout, "truncate-refused %s\n", reason(err))
		return
	}
	fmt.Fprintln(stdout, "truncate-accepted")
	fail(a[0], "truncate on read-only descriptor succeeded")
}

// cmdFdwrite writes text to a raw descriptor number, typically one that was
// never opened. Prints nothing on success.
func cmdFdwrite(a []string) {
	fd := parseInt(a[0], a[0])
	if fd < 0 || fd > 1<<31-1 {
		fail(a[0], "EINVAL")
	}
	stdout.Flush()
	buf := []byte(a[1])
	for len(buf) > 0 {
		n, err := syscall.Write(int(fd), buf)
		if err != nil {
			failErr(a[0], err)
		}
		buf = buf[n:]
	}
}

// ---------------------------------------------------------------------------
// process commands

func cmdEnv(a []string) {
	if len(a) == 1 {
		v, ok := os.LookupEnv(a[0])
		if !ok {
			fail(a[0], "unset")
		}
		fmt.Fprintf(stdout, "%s\n", v)
		return
	}
	env := os.Environ()
	sort.Strings(env)
	for _, kv := range env {
		fmt.Fprintf(stdout, "%s\n", kv)
	}
}

func cmdArgs([]string) {
	for _, arg := range os.Args {
		fmt.Fprintf(stdout, "%s\n", arg)
	}
}

func cmdEcho(a []string) { fmt.Fprintf(stdout, "%s\n", strings.Join(a, " ")) }

func cmdStderr(a []string) { fmt.Fprintf(os.Stderr, "%s\n", a[0]) }

func cmdStdin([]string) {
	if _, err := io.Copy(stdout, os.Stdin); err != nil {
		failErr("stdin", err)
	}
}

func cmdExit(a []string) { exit(int(parseInt(a[0], a[0]))) }

func cmdClock([]string) {
	t1 := time.Now()
	t2 := time.Now()
	if t1.Unix() < 1577836800 {
		fail("realtime", "before 2020-01-01")
	}
	// Sub uses the monotonic readings carried by both times.
	if t2.Sub(t1) < 0 {
		fail("monotonic", "went backwards")
	}
	fmt.Fprintln(stdout, "ok")
}

func cmdRandom(a []string) {
	n := parseInt(a[0], a[0])
	if n < 0 || n > 64<<20 {
		fail(a[0], "EINVAL")
	}
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		failErr(a[0], err)
	}
	word := "zero"
	for _, b := range buf {
		if b != 0 {
			word = "nonzero"
			break
		}
	}
	fmt.Fprintf(stdout, "%d %s\n", n, word)
}

func cmdSleep(a []string) {
	ms := parseInt(a[0], a[0])
	if ms < 0 {
		fail(a[0], "EINVAL")
	}
	time.Sleep(time.Duration(ms) * time.Millisecond)
}

// ---------------------------------------------------------------------------
// adversarial commands

var chunks [][]byte

func cmdMembomb([]string) {
	for {
		c := make([]byte, 1<<20)
		for i := 0; i < len(c); i += 4096 {
			c[i] = byte(i)
		}
		chunks = append(chunks, c)
	}
}

var spinCounter uint64

//go:noinline
func spinStep() { spinCounter++ }

func cmdSpin([]string) {
	for {
		spinStep()
	}
}

var recurseSink int

//go:noinline
func recurse(depth int) int {
	var frame [128]byte
	frame[depth&127] = byte(depth)
	below := recurse(depth + 1)
	return below + int(frame[(depth*7)&127])
}

func cmdRecurse([]string) { recurseSink = recurse(0) }

func cmdFlood([]string) {
	buf := make([]byte, 64*1024)
	for i := range buf {
		buf[i] = 'x'
		if i%64 == 63 {
			buf[i] = '\n'
		}
	}
	for {
		if _, err := rawStdout.Write(buf); err != nil {
			fmt.Fprintf(os.Stderr, "error: flood stdout: %s\n", reason(err))
			os.Exit(4)
		}
	}
}

// ---------------------------------------------------------------------------
// dispatch

type command struct {
	name             string
	minArgs, maxArgs int // maxArgs -1: unlimited
	run              func([]string)
	usage            string
}

var commands = []command{
	{"cat", 1, 1, cmdCat, "cat <path>"},
	{"cat-nofollow", 1, 1, cmdCatNofollow, "cat-nofollow <path>"},
	{"ls", 1, 1, cmdLs, "ls <dir>"},
	{"write", 2, 2, cmdWrite, "write <path> <text>"},
	{"append", 2, 2, cmdAppend, "append <path> <text>"},
	{"open-excl", 1, 1, cmdOpenExcl, "open-excl <path>"},
	{"mkdir", 1, 1, cmdMkdir, "mkdir <path>"},
	{"rm", 1, 1, cmdRm, "rm <path>"},
	{"rmdir", 1, 1, cmdRmdir, "rmdir <path>"},
	{"mv", 2, 2, cmdMv, "mv <from> <to>"},
	{"stat", 1, 1, cmdStat, "stat <path>"},
	{"lstat", 1, 1, cmdLstat, "lstat <path>"},
	{"symlink", 2, 2, cmdSymlink, "symlink <target> <linkpath>"},
	{"link", 2, 2, cmdLink, "link <existing> <new>"},
	{"readlink", 1, 1, cmdReadlink, "readlink <path>"},
	{"truncate", 2, 2, cmdTruncate, "truncate <path> <size>"},
	{"rofd-write", 1, 1, cmdRofdWrite, "rofd-write <path>"},
	{"rofd-truncate", 1, 1, cmdRofdTruncate, "rofd-truncate <path>"},
	{"fdwrite", 2, 2, cmdFdwrite, "fdwrite <fd> <text>"},
	{"env", 0, 1, cmdEnv, "env [KEY]"},
	{"args", 0, -1, cmdArgs, "args [...]"},
	{"echo", 0, -1, cmdEcho, "echo [text...]"},
	{"stderr", 1, 1, cmdStderr, "stderr <text>"},
	{"stdin", 0, 0, cmdStdin, "stdin"},
	{"exit", 1, 1, cmdExit, "exit <code>"},
	{"clock", 0, 0, cmdClock, "clock"},
	{"random", 1, 1, cmdRandom, "random <n>"},
	{"sleep", 1, 1, cmdSleep, "sleep <ms>"},
	{"membomb", 0, 0, cmdMembomb, "membomb"},
	{"spin", 0, 0, cmdSpin, "spin"},
	{"recurse", 0, 0, cmdRecurse, "recurse"},
	{"flood", 0, 0, cmdFlood, "flood"},
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: fsops <command> [args...]\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %s\n", c.usage)
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	c, ok := lookup(os.Args[1])
	if !ok {
		fmt.Fprintf(os.Stderr, "error: %s: unknown command\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	args := os.Args[2:]
	if len(args) < c.minArgs || (c.maxArgs >= 0 && len(args) > c.maxArgs) {
		fmt.Fprintf(os.Stderr, "error: usage: fsops %s\n", c.usage)
		os.Exit(2)
	}
	cmdName = os.Args[1]
	c.run(args)
	exit(0)
}
