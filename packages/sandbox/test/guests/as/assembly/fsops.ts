// fsops (AssemblyScript build): a small subset of the sandbox test guest in
// ../../c/fsops.c, with the same protocol and output format.
//
//   argv = ["fsops", <command>, args...]
//
// Commands: echo <text...>, env <KEY>, cat <path>, write <path> <text>,
// exit <code>, args; and for memory limits, grow (memory.grow by 1 MiB until
// it fails, then print "grew <n> MiB" and exit 0: AssemblyScript code sees
// the failure as -1) and membomb (1 MiB buffers until the runtime's
// allocator, which cannot fail softly, traps). On failure one line "error: <command> <operand>: <ERRNO>"
// goes to stderr and the exit code is 1; usage errors exit with 2.
//
// Compiled with the @assemblyscript/wasi-shim configuration, which routes the
// runtime's abort/trace hooks to WASI. Arguments, environment and file access
// go straight to the wasi_snapshot_preview1 imports declared below (the
// shim's process.env fails when the environment is empty); absolute paths are
// resolved against the preopened directories the way wasi-libc does.
//
// Build: see scripts/build-guests.sh.

// ---------------------------------------------------------------------------
// wasi_snapshot_preview1 imports

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "fd_prestat_get")
declare function fd_prestat_get(fd: u32, buf: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
declare function fd_prestat_dir_name(fd: u32, path: usize, len: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "path_open")
declare function path_open(
  dirfd: u32,
  dirflags: u32,
  path: usize,
  pathLen: usize,
  oflags: u16,
  rightsBase: u64,
  rightsInheriting: u64,
  fdflags: u16,
  fdOut: usize,
): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "args_sizes_get")
declare function args_sizes_get(count: usize, bufSize: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "args_get")
declare function args_get(argv: usize, buf: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function environ_sizes_get(count: usize, bufSize: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "environ_get")
declare function environ_get(environ: usize, buf: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "fd_close")
declare function fd_close(fd: u32): u16;

// @ts-expect-error: decorator
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

const ERRNO_BADF: u16 = 8;
const ERRNO_INTR: u16 = 27;
const ERRNO_NOTCAPABLE: u16 = 76;

const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
const OFLAGS_CREAT: u16 = 1;
const OFLAGS_TRUNC: u16 = 8;

const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_SEEK: u64 = 1 << 2;
const RIGHT_FD_TELL: u64 = 1 << 5;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;

// WASI preview1 errno names, indexed by errno value.
const ERRNO_NAMES: string[] = [
  "ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT",
  "EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD",
  "ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ",
  "EDOM", "EDQUOT", "EEXIST", "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM",
  "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISCONN", "EISDIR",
  "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP", "ENAMETOOLONG",
  "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV",
  "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM", "ENOMSG", "ENOPROTOOPT",
  "ENOSPC", "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE",
  "ENOTSOCK", "ENOTSUP", "ENOTTY", "ENXIO", "EOVERFLOW", "EOWNERDEAD", "EPERM",
  "EPIPE", "EPROTO", "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS",
  "ESPIPE", "ESRCH", "ESTALE", "ETIMEDOUT", "ETXTBSY", "EXDEV", "ENOTCAPABLE",
];

function errnoName(err: u16): string {
  if (<i32>err < ERRNO_NAMES.length) return ERRNO_NAMES[err];
  return "errno " + err.toString();
}

// Scratch space for iovecs and out-parameters.
const scratch = memory.data(32);

// ---------------------------------------------------------------------------
// arguments and environment

// Reads a NUL-separated string vector through one of the *_sizes_get/*_get
// pairs. `which` is 0 for argv, 1 for the environment.
function readVector(which: i32): string[] {
  const err = which == 0 ? args_sizes_get(scratch, scratch + 4) : environ_sizes_get(scratch, scratch + 4);
  if (err != 0) return [];
  const count = <i32>load<u32>(scratch);
  const size = <i32>load<u32>(scratch, 4);
  const out = new Array<string>(0);
  if (count == 0) return out;
  const ptrs = new ArrayBuffer(count * 4);
  const data = new ArrayBuffer(size > 0 ? size : 1);
  const p = changetype<usize>(ptrs);
  const d = changetype<usize>(data);
  const err2 = which == 0 ? args_get(p, d) : environ_get(p, d);
  if (err2 != 0) return out;
  for (let i = 0; i < count; i++) {
    const start = <usize>load<u32>(p + <usize>i * 4);
    let end = start;
    while (load<u8>(end) != 0) end++;
    out.push(String.UTF8.decodeUnsafe(start, end - start));
  }
  return out;
}

// Returns the value of an environment variable, or null when it is unset.
function getenv(key: string): string | null {
  const env = readVector(1);
  const prefix = key + "=";
  for (let i = 0; i < env.length; i++) {
    if (env[i].startsWith(prefix)) return env[i].substring(prefix.length);
  }
  return null;
}

// ---------------------------------------------------------------------------
// output

function writeBytes(fd: u32, ptr: usize, len: usize): u16 {
  while (len > 0) {
    store<u32>(scratch, <u32>ptr);
    store<u32>(scratch, <u32>len, 4);
    const err = fd_write(fd, scratch, 1, scratch + 8);
    if (err == ERRNO_INTR) continue;
    if (err != 0) return err;
    const n = <usize>load<u32>(scratch, 8);
    ptr += n;
    len -= n;
  }
  return 0;
}

function writeString(fd: u32, s: string): u16 {
  const buf = String.UTF8.encode(s);
  return writeBytes(fd, changetype<usize>(buf), <usize>buf.byteLength);
}

let commandName = "?";

function fail(what: string, reason: string): void {
  writeString(2, "error: " + commandName + " " + what + ": " + reason + "\n");
  proc_exit(1);
}

function usage(text: string): void {
  writeString(2, "error: usage: fsops " + text + "\n");
  proc_exit(2);
}

// ---------------------------------------------------------------------------
// preopen resolution

class Preopen {
  constructor(public fd: u32, public name: string) {}
}

let preopens: Preopen[] | null = null;

function loadPreopens(): Preopen[] {
  const list: Preopen[] = [];
  for (let fd: u32 = 3; ; fd++) {
    const err = fd_prestat_get(fd, scratch);
    if (err == ERRNO_BADF) break;
    if (err != 0) break;
    if (load<u8>(scratch) != 0) continue; // not a directory
    const len = <usize>load<u32>(scratch, 4);
    const buf = new ArrayBuffer(<i32>len);
    if (fd_prestat_dir_name(fd, changetype<usize>(buf), len) != 0) continue;
    let name = String.UTF8.decode(buf);
    while (name.length > 1 && name.endsWith("/")) name = name.substring(0, name.length - 1);
    list.push(new Preopen(fd, name));
  }
  return list;
}

// Picks the preopen with the longest name that is a path prefix of `path`
// and returns it with the remaining relative path.
function resolve(path: string): Preopen | null {
  if (preopens == null) preopens = loadPreopens();
  const list = preopens!;
  const abs = path.startsWith("/") ? path : "/" + path;
  let best: Preopen | null = null;
  for (let i = 0; i < list.length; i++) {
    let name = list[i].name;
    if (name == ".") name = "/";
    if (!name.startsWith("/")) name = "/" + name;
    const matches =
      name == "/" || abs == name || abs.startsWith(name + "/");
    if (matches && (best == null || name.length > best.name.length)) {
      best = new Preopen(list[i].fd, name);
    }
  }
  return best;
}

function relativeTo(dir: Preopen, path: string): string {
  const abs = path.startsWith("/") ? path : "/" + path;
  let rel = dir.name == "/" ? abs : abs.substring(dir.name.length);
  while (rel.startsWith("/")) rel = rel.substring(1);
  return rel.length == 0 ? "." : rel;
}

// Opens path and returns the descriptor; exits through fail() on error.
function openPath(path: string, oflags: u16, rights: u64): u32 {
  const dir = resolve(path);
  if (dir == null) {
    fail(path, errnoName(ERRNO_NOTCAPABLE));
    return 0;
  }
  const rel = String.UTF8.encode(relativeTo(dir, path));
  const err = path_open(
    dir.fd,
    LOOKUP_SYMLINK_FOLLOW,
    changetype<usize>(rel),
    <usize>rel.byteLength,
    oflags,
    rights,
    0,
    0,
    scratch,
  );
  if (err != 0) fail(path, errnoName(err));
  return load<u32>(scratch);
}

// ---------------------------------------------------------------------------
// commands

function cmdEcho(args: string[]): void {
  writeString(1, args.join(" ") + "\n");
}

function cmdEnv(args: string[]): void {
  if (args.length != 1) usage("env <KEY>");
  const key = args[0];
  const value = getenv(key);
  if (value == null) fail(key, "unset");
  else writeString(1, value + "\n");
}

function cmdArgs(argv: string[]): void {
  let out = "";
  for (let i = 0; i < argv.length; i++) out += argv[i] + "\n";
  writeString(1, out);
}

function cmdCat(args: string[]): void {
  if (args.length != 1) usage("cat <path>");
  const path = args[0];
  const fd = openPath(path, 0, RIGHT_FD_READ | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET);
  const buf = new ArrayBuffer(64 * 1024);
  const ptr = changetype<usize>(buf);
  for (;;) {
    store<u32>(scratch, <u32>ptr);
    store<u32>(scratch, <u32>buf.byteLength, 4);
    const err = fd_read(fd, scratch, 1, scratch + 8);
    if (err == ERRNO_INTR) continue;
    if (err != 0) fail(path, errnoName(err));
    const n = <usize>load<u32>(scratch, 8);
    if (n == 0) break;
    const werr = writeBytes(1, ptr, n);
    if (werr != 0) fail(path, errnoName(werr));
  }
  fd_close(fd);
}

function cmdWrite(args: string[]): void {
  if (args.length != 2) usage("write <path> <text>");
  const path = args[0];
  const fd = openPath(
    path,
    OFLAGS_CREAT | OFLAGS_TRUNC,
    RIGHT_FD_WRITE | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET | RIGHT_FD_FILESTAT_SET_SIZE,
  );
  const err = writeString(fd, args[1]);
  if (err != 0) fail(path, errnoName(err));
  const cerr = fd_close(fd);
  if (cerr != 0) fail(path, errnoName(cerr));
}

// Parses a decimal integer with an optional leading '-'; i64.MIN_VALUE if
// malformed.
function parseDecimal(s: string): i64 {
  let i = 0;
  let negative = false;
  if (s.length > 0 && s.charCodeAt(0) == 45) {
    negative = true;
    i = 1;
  }
  if (i >= s.length || s.length - i > 10) return i64.MIN_VALUE;
  let v: i64 = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return i64.MIN_VALUE;
    v = v * 10 + <i64>(c - 48);
  }
  return negative ? -v : v;
}

function cmdExit(args: string[]): void {
  if (args.length != 1) usage("exit <code>");
  const code = parseDecimal(args[0]);
  if (code == i64.MIN_VALUE) fail(args[0], "EINVAL");
  proc_exit(<u32>code);
}

function cmdGrow(): void {
  let mib = 0;
  while (memory.grow(16) >= 0) mib++;
  // Still working after the refusal: allocating within what it has is fine.
  writeString(1, "grew " + mib.toString() + " MiB\n");
}

let kept: ArrayBuffer[] = [];

function cmdMembomb(): void {
  for (;;) {
    const b = new ArrayBuffer(1 << 20);
    store<u8>(changetype<usize>(b), 1);
    kept.push(b);
  }
}

// ---------------------------------------------------------------------------
// entry point: the shim exports _start, which runs this top-level code

function main(): void {
  const argv = readVector(0);
  if (argv.length < 2) {
    writeString(2, "usage: fsops <echo|env|cat|write|exit|args|grow|membomb> [args...]\n");
    proc_exit(2);
    return;
  }
  const command = argv[1];
  const args = argv.slice(2);
  commandName = command;
  if (command == "echo") cmdEcho(args);
  else if (command == "env") cmdEnv(args);
  else if (command == "args") cmdArgs(argv);
  else if (command == "cat") cmdCat(args);
  else if (command == "write") cmdWrite(args);
  else if (command == "exit") cmdExit(args);
  else if (command == "grow") cmdGrow();
  else if (command == "membomb") cmdMembomb();
  else {
    writeString(2, "error: " + command + ": unknown command\n");
    proc_exit(2);
  }
}

main();
