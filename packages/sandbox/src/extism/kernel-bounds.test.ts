// Every kernel function a plugin can pass an address or a length to, called
// with bad ones: far past the heap, -1, inside a block but not at its start,
// a length that runs past the block or is negative. Each plugin is a module
// of its own (WebAssembly text, assembled by wabt) that imports the one
// function and calls it so. The call must end with an error naming the
// function's misuse, or get what Extism's kernel gives (0 for a length
// of no block, nothing for a free of one), on the calling thread and in a
// worker alike, and the plugin must answer the next call.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WorkerPool } from '../pool.js';
import { policy, wat } from '../testing.js';
import { EXTISM_ENV, EXTISM_USER, KERNEL_TYPES, USER_TYPES } from './kernel.js';
import { PluginSandbox } from './sandbox.js';

const pool = new WorkerPool({ size: 1 });
after(() => pool.close());

const FAR = '0x7fffffffffffff00';

/** Where each function is imported from, with its type. */
const TYPES: Record<string, [module: string, params: string, result: string]> = {
  ...Object.fromEntries(
    Object.entries(KERNEL_TYPES).map(([fn, [p, r]]) => [fn, [EXTISM_ENV, p, r]]),
  ),
  ...Object.fromEntries(
    Object.entries(USER_TYPES).map(([fn, [p, r]]) => [fn, [EXTISM_USER, p, r]]),
  ),
};

/**
 * A plugin whose `attack` runs `body` and whose `ok` answers "ok". `body`
 * may use $alloc, $text (a block holding the text at linear address
 * 0, `len` bytes: the data segment is `data`), and every function it names.
 */
async function attacker(uses: readonly string[], body: string, data = ''): Promise<Uint8Array> {
  const all = [...new Set(['alloc', 'store_u8', 'output_set', ...uses])];
  const imports = all
    .map((fn) => {
      const [module, params, result] = TYPES[fn]!;
      return `(import "${module}" "${fn}" (func $${fn}${params ? ` (param ${params})` : ''}${result ? ` (result ${result})` : ''}))`;
    })
    .join('\n  ');
  return wat(`(module
  ${imports}
  (memory (export "memory") 1)
  (data (i32.const 0) ${JSON.stringify(data)})
  (data (i32.const 1024) "ok")
  (func $text (param $at i32) (param $len i32) (result i64)
    (local $block i64) (local $i i32)
    (local.set $block (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (call $store_u8
        (i64.add (local.get $block) (i64.extend_i32_u (local.get $i)))
        (i32.load8_u (i32.add (local.get $at) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (local.get $block))
  (func (export "ok") (result i32)
    (call $output_set (call $text (i32.const 1024) (i32.const 2)) (i64.const 2))
    (i32.const 0))
  (func (export "attack") (result i32)
    ${body}
    (i32.const 0)))`);
}

interface Case {
  name: string;
  uses: string[];
  body: string;
  data?: string;
  /** The error's message, or what the call outputs when the kernel lets it be. */
  expect: { error: RegExp } | { output: string };
}

const outside = (what: string, address: string) =>
  new RegExp(`the plugin ${what} ${address}, outside its kernel memory`);
const notABlock = (address: string, what: string) =>
  new RegExp(`passed ${address} as (the |its )?${what}, which is not a block it allocated`);

/** Output "ok" when `value` (an i64 expression) is 0, else trap. */
const outputZeroTest = (value: string) =>
  `(if (i64.eqz ${value})
     (then (call $output_set (call $text (i32.const 1024) (i32.const 2)) (i64.const 2)))
     (else (unreachable)))`;

const CASES: Case[] = [
  {
    name: 'load_u8 far past the heap',
    uses: ['load_u8'],
    body: `(drop (call $load_u8 (i64.const ${FAR})))`,
    expect: { error: outside('read a byte at', FAR) },
  },
  {
    name: 'load_u8 at -1',
    uses: ['load_u8'],
    body: '(drop (call $load_u8 (i64.const -1)))',
    expect: { error: outside('read a byte at', '0xffffffffffffffff') },
  },
  {
    name: 'load_u64 running past the end of the heap',
    uses: ['load_u64'],
    body: '(drop (call $load_u64 (i64.add (call $alloc (i64.const 8)) (i64.const 4))))',
    expect: { error: /the plugin read 8 bytes at 0x[0-9a-f]+, outside its kernel memory/ },
  },
  {
    name: 'store_u8 far past the heap',
    uses: ['store_u8'],
    body: `(call $store_u8 (i64.const ${FAR}) (i32.const 65))`,
    expect: { error: outside('wrote a byte at', FAR) },
  },
  {
    name: 'store_u64 at -1',
    uses: ['store_u64'],
    body: '(call $store_u64 (i64.const -1) (i64.const 65))',
    expect: { error: outside('wrote 8 bytes at', '0xffffffffffffffff') },
  },
  {
    name: 'store_u64 below the first block',
    uses: ['store_u64'],
    body: '(drop (call $alloc (i64.const 16))) (call $store_u64 (i64.const 0) (i64.const 65))',
    expect: { error: outside('wrote 8 bytes at', '0x0') },
  },
  {
    name: 'input_load_u8 past the input',
    uses: ['input_load_u8', 'input_length'],
    body: '(drop (call $input_load_u8 (call $input_length)))',
    expect: { error: /the plugin read input byte 5, outside its input of 5 bytes/ },
  },
  {
    name: 'input_load_u8 at -1',
    uses: ['input_load_u8'],
    body: '(drop (call $input_load_u8 (i64.const -1)))',
    expect: { error: /the plugin read input byte -1, outside its input of 5 bytes/ },
  },
  {
    name: 'input_load_u64 running past the input',
    uses: ['input_load_u64'],
    body: '(drop (call $input_load_u64 (i64.const 1)))',
    expect: { error: /the plugin read 8 input bytes at 1, outside its input of 5 bytes/ },
  },
  {
    name: 'output_set of a block with a negative length',
    uses: ['output_set'],
    body: '(call $output_set (call $alloc (i64.const 16)) (i64.const -1))',
    expect: { error: /the plugin set its output \(-1 bytes\)|set an output of -1 bytes/ },
  },
  {
    name: 'output_set running past its block and the heap',
    uses: ['output_set'],
    body: '(call $output_set (call $alloc (i64.const 16)) (i64.const 4096))',
    expect: {
      error: /the plugin set its output \(4096 bytes\) at 0x[0-9a-f]+, outside its kernel memory/,
    },
  },
  {
    name: 'output_set far past the heap',
    uses: ['output_set'],
    body: `(call $output_set (i64.const ${FAR}) (i64.const 2))`,
    expect: { error: outside('set its output \\(2 bytes\\) at', FAR) },
  },
  {
    name: 'error_set inside a block',
    uses: ['error_set'],
    body: '(call $error_set (i64.add (call $alloc (i64.const 16)) (i64.const 8)))',
    expect: { error: /passed 0x[0-9a-f]+ as its error message, which is not a block it allocated/ },
  },
  {
    name: 'config_get far past the heap',
    uses: ['config_get'],
    body: `(drop (call $config_get (i64.const ${FAR})))`,
    expect: { error: notABlock(FAR, 'config key') },
  },
  {
    name: 'var_get of address 0',
    uses: ['var_get'],
    body: '(drop (call $var_get (i64.const 0)))',
    expect: { error: notABlock('0x0', 'var name') },
  },
  {
    name: 'var_set with a value inside a block',
    uses: ['var_set'],
    data: 'k',
    body: `(call $var_set (call $text (i32.const 0) (i32.const 1))
             (i64.add (call $alloc (i64.const 16)) (i64.const 1)))`,
    expect: { error: /passed 0x[0-9a-f]+ as the var value, which is not a block it allocated/ },
  },
  {
    name: 'var_set with the name at -1',
    uses: ['var_set'],
    body: '(call $var_set (i64.const -1) (i64.const 0))',
    expect: { error: notABlock('0xffffffffffffffff', 'var name') },
  },
  {
    name: 'http_request far past the heap',
    uses: ['http_request'],
    body: `(drop (call $http_request (i64.const ${FAR}) (i64.const 0)))`,
    expect: { error: notABlock(FAR, 'HTTP request') },
  },
  {
    name: 'http_request with a body that is no block',
    uses: ['http_request'],
    data: '{"url":"http://127.0.0.1:1/"}',
    body: `(drop (call $http_request (call $text (i32.const 0) (i32.const 29)) (i64.const ${FAR})))`,
    expect: { error: notABlock(FAR, 'HTTP request body') },
  },
  {
    name: 'http_request that is not JSON',
    uses: ['http_request'],
    data: 'GET /',
    body: '(drop (call $http_request (call $text (i32.const 0) (i32.const 5)) (i64.const 0)))',
    expect: { error: /the plugin passed text that is not JSON as the HTTP request/ },
  },
  {
    name: 'log_info far past the heap',
    uses: ['log_info'],
    body: `(call $log_info (i64.const ${FAR}))`,
    expect: { error: notABlock(FAR, 'log message') },
  },
  {
    name: 'log_error at -1',
    uses: ['log_error'],
    body: '(call $log_error (i64.const -1))',
    expect: { error: notABlock('0xffffffffffffffff', 'log message') },
  },
  {
    name: 'notify_logging_message far past the heap',
    uses: ['notify_logging_message'],
    body: `(call $notify_logging_message (i64.const ${FAR}))`,
    expect: { error: notABlock(FAR, 'logging message') },
  },
  {
    name: 'notify_progress far past the heap',
    uses: ['notify_progress'],
    body: `(call $notify_progress (i64.const ${FAR}))`,
    expect: { error: notABlock(FAR, 'progress notification') },
  },
  {
    name: 'notify_progress of text that is not JSON',
    uses: ['notify_progress'],
    data: 'half',
    body: '(call $notify_progress (call $text (i32.const 0) (i32.const 4)))',
    expect: { error: /the plugin passed text that is not JSON as the progress notification/ },
  },
  {
    name: 'notify_resource_updated inside a block',
    uses: ['notify_resource_updated'],
    body: '(call $notify_resource_updated (i64.add (call $alloc (i64.const 16)) (i64.const 3)))',
    expect: { error: notABlock('0x[0-9a-f]+', 'resource update') },
  },
  {
    name: 'create_message far past the heap',
    uses: ['create_message'],
    body: `(drop (call $create_message (i64.const ${FAR})))`,
    expect: { error: notABlock(FAR, 'message request') },
  },
  {
    name: 'create_elicitation at -1',
    uses: ['create_elicitation'],
    body: '(drop (call $create_elicitation (i64.const -1)))',
    expect: { error: notABlock('0xffffffffffffffff', 'elicitation request') },
  },
  // What Extism's kernel lets be.
  {
    name: 'length of no block is 0',
    uses: ['length'],
    body: outputZeroTest(`(call $length (i64.const ${FAR}))`),
    expect: { output: 'ok' },
  },
  {
    name: 'length_unsafe inside a block is 0',
    uses: ['length_unsafe'],
    body: outputZeroTest(
      '(call $length_unsafe (i64.add (call $alloc (i64.const 16)) (i64.const 8)))',
    ),
    expect: { output: 'ok' },
  },
  {
    name: 'alloc of -1 bytes is 0',
    uses: [],
    body: outputZeroTest('(call $alloc (i64.const -1))'),
    expect: { output: 'ok' },
  },
  {
    name: 'free of no block does nothing',
    uses: ['free'],
    body: `(call $free (i64.const ${FAR})) (call $free (i64.const -1))
           (call $output_set (call $text (i32.const 1024) (i32.const 2)) (i64.const 2))`,
    expect: { output: 'ok' },
  },
];

const decoder = new TextDecoder();
const doc = policy(`version: "1.0"
resources:
  limits:
    memory: "16Mi"
    execution_time: "5s"
`);

describe('the Extism kernel, given bad addresses and lengths', () => {
  for (const trial of [true, false])
    describe(trial ? 'on the calling thread' : 'in a worker', () => {
      for (const c of CASES)
        it(c.name, async () => {
          const s = await PluginSandbox.create({
            id: 'attacker',
            bytes: await attacker(c.uses, c.body, c.data),
            policy: doc,
            pool,
            trial,
          });
          const got = await s.call('attack', 'input').then(
            (r) => ({ output: decoder.decode(r.output) }),
            (e: Error & { code?: string }) => ({ error: e }),
          );
          if ('error' in c.expect) {
            assert.ok('error' in got, `the call answered ${JSON.stringify(got)}`);
            assert.equal(got.error.code, 'trap', got.error.message);
            assert.match(got.error.message, c.expect.error);
          } else {
            assert.deepEqual(got, c.expect);
          }
          // The plugin answers the next call.
          assert.equal(decoder.decode((await s.call('ok')).output), 'ok');
        });
    });
});

describe('a plugin importing a kernel function as another type', () => {
  it('is refused when it loads, saying which and how', async () => {
    const bytes = await wat(`(module
      (import "extism:host/env" "alloc" (func (param i32) (result i32)))
      (import "extism:host/env" "store_u64" (func (param i64 i64)))
      (import "extism:host/user" "notify_progress" (func (param i64) (result i64)))
      (memory (export "memory") 1)
      (func (export "call") (result i32) (i32.const 0)))`);
    await assert.rejects(
      PluginSandbox.create({ id: 'mistyped', bytes, policy: doc, pool }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'unsupported-imports');
        assert.match(
          e.message,
          /extism:host\/env\.alloc \(imported as \(i32\) -> \(i32\); the host's is \(i64\) -> \(i64\)\)/,
        );
        assert.match(
          e.message,
          /extism:host\/user\.notify_progress \(imported as \(i64\) -> \(i64\); the host's is \(i64\) -> \(\)\)/,
        );
        assert.doesNotMatch(e.message, /store_u64/);
        return true;
      },
    );
  });
});
