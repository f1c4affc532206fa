import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cancelled, OutputLimitExceeded, ProcExit } from '../wasi/aborts.js';
import { MAX_WAIT_MS, WRITE_PERMIT } from './io.js';
import {
  type Descriptor,
  errOf,
  hostFor,
  type InputStream,
  type OutputStream,
  type Pollable,
  str,
  text,
} from './testing.js';
import { WASI2_INTERFACES } from './wasi2.js';

type Fn = (...a: never[]) => unknown;

describe('WASI 0.2 host: the imports', () => {
  it('provides every interface it lists, frozen, and nothing it does not list', () => {
    const { wasi } = hostFor('version: "1.0"');
    assert.deepEqual(Object.keys(wasi.imports).sort(), [...WASI2_INTERFACES].sort());
    assert.ok(Object.isFrozen(wasi.imports));
    for (const name of WASI2_INTERFACES) assert.ok(Object.isFrozen(wasi.imports[name]), name);
  });

  it('each instance has its own resource classes', () => {
    const a = hostFor('version: "1.0"').wasi.imports['wasi:filesystem/types']!;
    const b = hostFor('version: "1.0"').wasi.imports['wasi:filesystem/types']!;
    assert.notEqual(a.Descriptor, b.Descriptor);
  });
});

describe('WASI 0.2 host: wasi:cli', () => {
  it('shows only the environment the policy allows, and the arguments', () => {
    const { iface } = hostFor(
      `version: "1.0"
environment:
  allow:
    - key: LANG
`,
      {
        env: { LANG: 'C.UTF-8', AWS_SECRET_ACCESS_KEY: 'x', 'LANG=1': 'y' },
        args: ['tool', '--x'],
      },
    );
    const env = iface<Record<string, Fn>>('wasi:cli/environment');
    assert.deepEqual(env.getEnvironment!(), [['LANG', 'C.UTF-8']]);
    assert.deepEqual(env.getArguments!(), ['tool', '--x']);
    assert.equal(env.initialCwd!(), undefined);
  });

  it('wasi:config/store gives the same allowed variables, and reports a refused key', () => {
    const h = hostFor(
      `version: "1.0"
environment:
  allow:
    - key: OPENWEATHER_API_KEY
    - key: UNSET_BUT_ALLOWED
`,
      { env: { OPENWEATHER_API_KEY: 'k-123', AWS_SECRET_ACCESS_KEY: 'x' } },
    );
    const config = h.iface<{ get(k: string): string | undefined; getAll(): unknown }>(
      'wasi:config/store',
    );
    assert.equal(config.get('OPENWEATHER_API_KEY'), 'k-123');
    assert.deepEqual(config.getAll(), [['OPENWEATHER_API_KEY', 'k-123']]);
    assert.equal(config.get('UNSET_BUT_ALLOWED'), undefined);
    assert.equal(h.violations.length, 0);
    assert.equal(config.get('AWS_SECRET_ACCESS_KEY'), undefined);
    assert.deepEqual(
      h.violations.map((v) => [v.capability, v.target]),
      [['environment', 'AWS_SECRET_ACCESS_KEY']],
    );
  });

  it('exit ends the call and records the status', () => {
    const h = hostFor('version: "1.0"');
    const { exit, exitWithCode } = h.iface<{
      exit(s: { tag: string }): void;
      exitWithCode(c: number): void;
    }>('wasi:cli/exit');
    assert.equal(h.wasi.exitCode(), undefined);
    assert.throws(
      () => exit({ tag: 'err' }),
      (e: unknown) => e instanceof ProcExit && e.code === 1,
    );
    assert.equal(h.wasi.exitCode(), 1);
    assert.throws(
      () => exit({ tag: 'ok' }),
      (e: unknown) => e instanceof ProcExit && e.code === 0,
    );
    assert.equal(h.wasi.exitCode(), 0);
    assert.throws(() => exitWithCode(3), ProcExit);
    assert.equal(h.wasi.exitCode(), 3);
  });

  it('stdio: stdin from the buffer, stdout and stderr capped', () => {
    const chunks: string[] = [];
    const h = hostFor('version: "1.0"', {
      stdin: text('input'),
      maxOutput: 8,
      onStderr: (c) => chunks.push(str(c)),
    });
    const stdin = h.iface<{ getStdin(): InputStream }>('wasi:cli/stdin').getStdin();
    assert.equal(str(stdin.read(3n)), 'inp');
    assert.equal(str(stdin.blockingRead(10n)), 'ut');
    assert.deepEqual(
      errOf(() => stdin.read(1n)),
      { tag: 'closed' },
    );
    const stdout = h.iface<{ getStdout(): OutputStream }>('wasi:cli/stdout').getStdout();
    const stderr = h.iface<{ getStderr(): OutputStream }>('wasi:cli/stderr').getStderr();
    stdout.write(text('hello'));
    stderr.blockingWriteAndFlush(text('oops'));
    assert.equal(str(h.wasi.stdout.bytes()), 'hello');
    assert.deepEqual(chunks, ['oops']);
    // Past the cap the call ends; it is not a stream error the guest could ignore.
    assert.throws(() => stdout.write(text('world')), OutputLimitExceeded);
    assert.equal(str(h.wasi.stdout.bytes()), 'hellowor');
  });

  it('splices stdin to stdout', () => {
    const h = hostFor('version: "1.0"', { stdin: text('copy me') });
    const stdin = h.iface<{ getStdin(): InputStream }>('wasi:cli/stdin').getStdin();
    const stdout = h.iface<{ getStdout(): OutputStream }>('wasi:cli/stdout').getStdout();
    assert.equal(stdout.splice(stdin, 4n), 4n);
    assert.equal(stdout.splice(stdin, 100n), 3n);
    assert.equal(str(h.wasi.stdout.bytes()), 'copy me');
    assert.deepEqual(
      errOf(() => stdout.splice(stdin, 1n)),
      { tag: 'closed' },
    );
  });

  it('has no terminals', () => {
    const { iface } = hostFor('version: "1.0"');
    assert.equal(
      iface<Record<string, Fn>>('wasi:cli/terminal-stdin').getTerminalStdin!(),
      undefined,
    );
    assert.equal(
      iface<Record<string, Fn>>('wasi:cli/terminal-stdout').getTerminalStdout!(),
      undefined,
    );
    assert.equal(
      iface<Record<string, Fn>>('wasi:cli/terminal-stderr').getTerminalStderr!(),
      undefined,
    );
  });
});

describe('WASI 0.2 host: wasi:io', () => {
  it('streams report closed once closed, and write-zeroes stays within check-write', () => {
    const h = hostFor('version: "1.0"');
    const stdout = h.iface<{ getStdout(): OutputStream }>('wasi:cli/stdout').getStdout();
    assert.equal(stdout.checkWrite(), BigInt(WRITE_PERMIT));
    stdout.writeZeroes(3n);
    assert.deepEqual([...h.wasi.stdout.bytes()], [0, 0, 0]);
    const e = errOf(() => stdout.writeZeroes(BigInt(WRITE_PERMIT) + 1n)) as { tag: string };
    assert.equal(e.tag, 'last-operation-failed');
    assert.deepEqual(
      errOf(() => stdout.write(text('x'))),
      { tag: 'closed' },
    );
    assert.equal(stdout.subscribe().ready(), true);
  });

  it('poll refuses an empty list and foreign pollables', () => {
    const h = hostFor('version: "1.0"');
    const { poll } = h.iface<{ poll(p: unknown[]): Uint32Array }>('wasi:io/poll');
    assert.throws(() => poll([]), /empty list/);
    assert.throws(() => poll([{ ready: () => true, block: () => {} }]), TypeError);
  });
});

describe('WASI 0.2 host: wasi:clocks and wasi:random', () => {
  it('clocks tell the time, and a clock pollable really waits', () => {
    const h = hostFor('version: "1.0"');
    const mono = h.iface<{
      now(): bigint;
      resolution(): bigint;
      subscribeDuration(d: bigint): Pollable;
      subscribeInstant(t: bigint): Pollable;
    }>('wasi:clocks/monotonic-clock');
    const wall = h.iface<{ now(): { seconds: bigint; nanoseconds: number } }>(
      'wasi:clocks/wall-clock',
    );
    const { poll } = h.iface<{ poll(p: Pollable[]): Uint32Array }>('wasi:io/poll');
    const w = wall.now();
    assert.ok(Math.abs(Number(w.seconds) * 1000 + w.nanoseconds / 1e6 - Date.now()) < 1000);
    assert.ok(w.nanoseconds >= 0 && w.nanoseconds < 1e9);
    const t0 = mono.now();
    const p = mono.subscribeDuration(30_000_000n);
    assert.equal(p.ready(), false);
    p.block();
    assert.ok(mono.now() - t0 >= 30_000_000n);
    assert.equal(p.ready(), true);
    const late = mono.subscribeDuration(10_000_000_000n);
    // The instant counts from t1, so time spent between the two calls cannot shorten the wait.
    const t1 = mono.now();
    const soon = mono.subscribeInstant(t1 + 20_000_000n);
    assert.deepEqual([...poll([late, soon])], [1]);
    assert.ok(mono.now() - t1 >= 20_000_000n);
    assert.ok(mono.now() - t1 < 5_000_000_000n);
  });

  it('a wait longer than a single wait may last ends the call instead of holding the thread', () => {
    const h = hostFor('version: "1.0"');
    const mono = h.iface<{ subscribeDuration(d: bigint): Pollable }>('wasi:clocks/monotonic-clock');
    const p = mono.subscribeDuration(BigInt(MAX_WAIT_MS + 60_000) * 1_000_000n);
    assert.throws(() => p.block(), /a single wait may last at most/);
  });

  it('a cancellation is noticed while waiting', () => {
    // Timers do not run while the thread waits: the flag turns true on its fourth look.
    let looks = 0;
    const h = hostFor('version: "1.0"', { cancelled: () => ++looks > 3 });
    const p = h
      .iface<{ subscribeDuration(d: bigint): Pollable }>('wasi:clocks/monotonic-clock')
      .subscribeDuration(10_000_000_000n);
    const started = Date.now();
    assert.throws(() => p.block(), Cancelled);
    assert.ok(Date.now() - started < 2000);
  });

  it('random bytes come from the system generator', () => {
    const h = hostFor('version: "1.0"');
    const r = h.iface<{ getRandomBytes(n: bigint): Uint8Array; getRandomU64(): bigint }>(
      'wasi:random/random',
    );
    const a = r.getRandomBytes(32n);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, r.getRandomBytes(32n));
    assert.equal(typeof r.getRandomU64(), 'bigint');
    const i = h.iface<{ getInsecureRandomBytes(n: bigint): Uint8Array }>('wasi:random/insecure');
    assert.equal(i.getInsecureRandomBytes(5n).length, 5);
    const [x, y] = h
      .iface<{ insecureSeed(): [bigint, bigint] }>('wasi:random/insecure-seed')
      .insecureSeed();
    assert.equal(typeof x, 'bigint');
    assert.equal(typeof y, 'bigint');
  });
});

describe('WASI 0.2 host: wasi:sockets', () => {
  it('creates no socket and looks up no name, and reports each attempt', () => {
    const h = hostFor('version: "1.0"');
    const network = h
      .iface<{ instanceNetwork(): object }>('wasi:sockets/instance-network')
      .instanceNetwork();
    assert.equal(
      errOf(() => h.iface<Record<string, Fn>>('wasi:sockets/tcp-create-socket').createTcpSocket!()),
      'access-denied',
    );
    assert.equal(
      errOf(() => h.iface<Record<string, Fn>>('wasi:sockets/udp-create-socket').createUdpSocket!()),
      'access-denied',
    );
    const lookup = h.iface<{ resolveAddresses(n: object, name: string): unknown }>(
      'wasi:sockets/ip-name-lookup',
    );
    assert.equal(
      errOf(() => lookup.resolveAddresses(network, 'example.com')),
      'access-denied',
    );
    assert.deepEqual(
      h.violations.map((v) => [v.capability, v.access]),
      [
        ['network', 'connect'],
        ['network', 'connect'],
        ['network', 'lookup'],
      ],
    );
    assert.equal(h.violations[2]!.target, 'example.com');
    const { TcpSocket } = h.iface<{ TcpSocket: new () => unknown }>('wasi:sockets/tcp');
    assert.throws(() => new TcpSocket(), TypeError);
  });
});

describe('WASI 0.2 host: cancellation', () => {
  it('every host call checks it first', () => {
    let cancelled = false;
    const h = hostFor(`version: "1.0"`, { cancelled: () => cancelled });
    const root = h.preopen('/');
    const env = h.iface<Record<string, Fn>>('wasi:cli/environment');
    cancelled = true;
    assert.throws(() => env.getEnvironment!(), Cancelled);
    assert.throws(() => root.stat(), Cancelled);
    assert.throws(() => h.iface<Record<string, Fn>>('wasi:clocks/wall-clock').now!(), Cancelled);
    assert.throws(
      () => h.iface<Record<string, Fn>>('wasi:filesystem/preopens').getDirectories!(),
      Cancelled,
    );
    const { Fields } = h.iface<{ Fields: new () => unknown }>('wasi:http/types');
    assert.throws(() => new Fields(), Cancelled);
    // Dropping a handle still works: the host must be able to clean up.
    (root as Descriptor)[Symbol.dispose]();
  });
});
