;; Loops of host calls for the sandbox bench, one kind per run:
;;   argv = [program, kind, count]   (or the export `run(kind, count)`)
;; kind 0: the loop alone (baseline)     kind 3: path_filestat_get("data.bin")
;; kind 1: environ_sizes_get             kind 4: path_open + fd_read + fd_close of "data.bin"
;; kind 2: clock_time_get(monotonic)     kind 5: bench.decide_env (a custom host function)
;; "data.bin" is looked up in the first preopened directory (fd 3) and must
;; hold exactly 1024 bytes. A failed call exits with 10 + its errno; a short
;; read exits with 3; bad arguments exit with 2.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "bench" "decide_env" (func $decide_env (result i32)))

  ;; 0x00 argc, 0x04 argv size, 0x08 opened fd, 0x0c bytes read,
  ;; 0x10 environ count and size, 0x18 clock value, 0x20 iovec, 0x40 filestat,
  ;; 0xf0 exit code, 0x100 argv pointers, 0x200 argv strings, 0x400 the path, 0x1000 read buffer.
  (memory (export "memory") 1)
  (data (i32.const 0x400) "data.bin")
  (global $path_len i32 (i32.const 8))
  (global $zero (mut i32) (i32.const 0))

  ;; The exit code is also left at 0xf0, for an embedder that calls `run` itself.
  (func $fail (param $code i32)
    (i32.store (i32.const 0xf0) (local.get $code))
    (call $proc_exit (local.get $code)))

  (func $ok (param $errno i32)
    (if (local.get $errno)
      (then (call $fail (i32.add (i32.const 10) (local.get $errno))))))

  ;; A NUL-terminated decimal at $p.
  (func $atoi (param $p i32) (result i32)
    (local $n i32) (local $c i32)
    (block $end
      (loop $digit
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $end (i32.eqz (local.get $c)))
        (if (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9))
          (then (call $fail (i32.const 2))))
        (local.set $n
          (i32.add (i32.mul (local.get $n) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $digit)))
    (local.get $n))

  (func $read_file
    (call $ok
      (call $path_open (i32.const 3) (i32.const 1) (i32.const 0x400) (global.get $path_len)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x08)))
    (call $ok (call $fd_read (i32.load (i32.const 0x08)) (i32.const 0x20) (i32.const 1) (i32.const 0x0c)))
    (if (i32.ne (i32.load (i32.const 0x0c)) (i32.const 1024))
      (then (call $fail (i32.const 3))))
    (call $ok (call $fd_close (i32.load (i32.const 0x08)))))

  ;; $count iterations of loop $kind. Exported so an embedder that keeps one
  ;; instance can run loops after `_start`.
  (func $run (export "run") (param $kind i32) (param $count i32)
    (local $i i32)
    (if (i32.gt_u (local.get $kind) (i32.const 5)) (then (call $fail (i32.const 2))))
    (i32.store (i32.const 0x20) (i32.const 0x1000))
    (i32.store (i32.const 0x24) (i32.const 4096))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (block $kinds
          (block $k5 (block $k4 (block $k3 (block $k2 (block $k1 (block $k0
            (br_table $k0 $k1 $k2 $k3 $k4 $k5 $kinds (local.get $kind)))
            (call $ok (global.get $zero)) (br $kinds))
            (call $ok (call $environ_sizes_get (i32.const 0x10) (i32.const 0x14))) (br $kinds))
            (call $ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0x18))) (br $kinds))
            (call $ok (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 0x400)
              (global.get $path_len) (i32.const 0x40))) (br $kinds))
            (call $read_file) (br $kinds))
          (call $ok (call $decide_env)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func (export "_start")
    (call $ok (call $args_sizes_get (i32.const 0x00) (i32.const 0x04)))
    (if (i32.or (i32.ne (i32.load (i32.const 0x00)) (i32.const 3))
                (i32.gt_u (i32.load (i32.const 0x04)) (i32.const 0x200)))
      (then (call $fail (i32.const 2))))
    (call $ok (call $args_get (i32.const 0x100) (i32.const 0x200)))
    (call $run
      (call $atoi (i32.load (i32.const 0x104)))
      (call $atoi (i32.load (i32.const 0x108)))))
)
