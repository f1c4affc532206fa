// The Extism host ABI (`extism:host/env`) in the sandbox's own code: the
// kernel memory a plugin allocates its input, output, config values, vars and
// HTTP bodies in, and the functions that move bytes between it and the
// plugin. Extism runs its kernel as a second WebAssembly module beside the
// plugin; here it is a heap in the host, so every address a plugin passes is
// checked against what it allocated before any byte moves, and the heap
// counts against the plugin's memory limit together with its linear memory.
//
// Addresses are i64 offsets into the heap; 0 is "none". A block is what one
// `alloc` returned; `length` knows only block starts. A load or store outside
// the allocated heap ends the call with a clear error rather than reading 0
// or writing nowhere: a plugin that does it has a bug or is probing, and
// silently carrying on would hide either.

import type { EgressRequest, EgressResponse } from '../egress.js';
import { GROW_LIMIT_EXPORT, GROW_REFUSED_EXPORT } from '../grow-guard.js';
import { GuestAbort, Unsettled } from '../wasi/aborts.js';
import { PAGE } from '../wasm-binary.js';

export const EXTISM_ENV = 'extism:host/env';
export const EXTISM_USER = 'extism:host/user';

/** Channels a plugin's host calls cross the bridge on. */
export const PLUGIN_CHANNELS = Object.freeze({
  http: 'extism:http',
  user: 'extism:user',
});

/** Extism's log levels, as `get_log_level` returns them. */
export const LOG_LEVELS = Object.freeze(['trace', 'debug', 'info', 'warn', 'error'] as const);
export type PluginLogLevel = (typeof LOG_LEVELS)[number];
/** `get_log_level` when logging is off. */
const LOG_OFF = 0x7fffffff;

/** What one call of a plugin is given besides its input. */
export interface PluginCall {
  /** The plugin's configuration (`config_get`), already within the policy. */
  readonly config: Readonly<Record<string, string>>;
  /** Its vars as the last call left them. */
  readonly vars: readonly (readonly [string, Uint8Array])[];
  /** Most bytes all vars (names and values) may hold. */
  readonly maxVarBytes: number;
  /** Least level logged; undefined: logging off. */
  readonly logLevel: PluginLogLevel | undefined;
  /** Whether `http_request` may reach the embedder (else it fails the call). */
  readonly http: boolean;
  /** Whether `extism:host/user` requests may reach the embedder. */
  readonly user: boolean;
}

export interface PluginLog {
  readonly level: PluginLogLevel | 'notice' | 'warning' | 'critical' | 'alert' | 'emergency';
  readonly text: string;
}

/** What a plugin call leaves besides its output. */
export interface PluginOutcome {
  /** What the function returned (0: success). */
  readonly returned: number;
  /** The bytes `output_set` named, at the end of the call. */
  readonly output: Uint8Array;
  /** The message `error_set` named, if any. */
  readonly error?: string;
  readonly vars: Array<[string, Uint8Array]>;
  readonly logs: PluginLog[];
  /** Logs dropped past the cap. */
  readonly droppedLogs: number;
  /** hyper-mcp's `notify_*_list_changed` calls: `tools`, `prompts`, `resources`. */
  readonly changed: string[];
  /** Progress the plugin reported (`notify_progress`), in order. */
  readonly progress: Array<{ progress: number; total?: number; message?: string }>;
}

/** Who hears a call's logs and progress as they happen (else they come with its outcome). */
export interface PluginListeners {
  readonly log?: ((level: PluginLog['level'], text: string) => void) | undefined;
  readonly progress?: ((progress: number, total?: number, message?: string) => void) | undefined;
}

/** A plugin's misuse of the kernel; ends the call. */
export class KernelFault extends GuestAbort {
  constructor(message: string) {
    super(`the plugin ${message}`);
  }
}

/** `http_request` refused or failed: the call fails with the reason, as under Extism. */
export class PluginHttpError extends GuestAbort {}

/** A function's type as a module imports it: its parameter and result types. */
export type FunctionType = readonly [params: string, results: string];

/** Extism's kernel functions (`extism:host/env`) and their types. */
export const KERNEL_TYPES: Readonly<Record<string, FunctionType>> = Object.freeze({
  alloc: ['i64', 'i64'],
  free: ['i64', ''],
  length: ['i64', 'i64'],
  length_unsafe: ['i64', 'i64'],
  load_u8: ['i64', 'i32'],
  load_u64: ['i64', 'i64'],
  store_u8: ['i64 i32', ''],
  store_u64: ['i64 i64', ''],
  input_length: ['', 'i64'],
  input_offset: ['', 'i64'],
  input_load_u8: ['i64', 'i32'],
  input_load_u64: ['i64', 'i64'],
  output_set: ['i64 i64', ''],
  error_set: ['i64', ''],
  error_get: ['', 'i64'],
  memory_bytes: ['', 'i64'],
  reset: ['', ''],
  config_get: ['i64', 'i64'],
  var_get: ['i64', 'i64'],
  var_set: ['i64 i64', ''],
  http_request: ['i64 i64', 'i64'],
  http_status_code: ['', 'i32'],
  http_headers: ['', 'i64'],
  log_trace: ['i64', ''],
  log_debug: ['i64', ''],
  log_info: ['i64', ''],
  log_warn: ['i64', ''],
  log_error: ['i64', ''],
  get_log_level: ['', 'i32'],
});

/** hyper-mcp's host functions for plugins (`extism:host/user`) and their types. */
export const USER_TYPES: Readonly<Record<string, FunctionType>> = Object.freeze({
  notify_logging_message: ['i64', ''],
  notify_progress: ['i64', ''],
  notify_tool_list_changed: ['', ''],
  notify_prompt_list_changed: ['', ''],
  notify_resource_list_changed: ['', ''],
  notify_resource_updated: ['i64', ''],
  list_roots: ['', 'i64'],
  create_message: ['i64', 'i64'],
  create_elicitation: ['i64', 'i64'],
});

export const KERNEL_FUNCTIONS = Object.freeze(Object.keys(KERNEL_TYPES));
export const USER_FUNCTIONS = Object.freeze(Object.keys(USER_TYPES));

/** The first address handed out; below it is the null address. */
const BASE = 8;
const MAX_LOG_BYTES = 256 * 1024;
/** Largest heap kept for the next call of a reused instance. */
const KEPT_HEAP = 1024 * 1024;
const MAX_LOGS = 1000;
const MAX_PROGRESS = 1000;

export interface KernelOptions {
  /** The plugin's memory limit in bytes: linear memory and kernel heap together. */
  readonly memoryLimit: number;
  /** Most bytes the output (and the error message) may have. */
  readonly maxOutput: number;
  /** The plugin's linear memory in bytes now. */
  readonly linearBytes: () => number;
  /** Ask the embedder (across the bridge); absent when the plugin runs inline. */
  readonly call?: (channel: string, payload: unknown) => unknown;
  /** A trial run: what needs the embedder leaves the call unsettled. */
  readonly trial?: boolean;
}

/** A request to the embedder for an `extism:host/user` function. */
export interface PluginUserRequest {
  readonly fn: string;
  /** The JSON text the plugin passed, if the function takes one. */
  readonly json?: string;
}

/** The embedder's answer: JSON text for the plugin, or why not. */
export type PluginUserReply = { ok: true; json: string } | { ok: false; message: string };

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const hex = (a: number) => `0x${a.toString(16)}`;
/** An i64 address as the plugin meant it (unsigned). */
const hexOf = (a: bigint) => `0x${BigInt.asUintN(64, a).toString(16)}`;

export class Kernel {
  readonly #o: KernelOptions;
  #heap = new Uint8Array(4096);
  #view = new DataView(this.#heap.buffer);
  /** End of the allocated heap: every valid address is below it. */
  #top = BASE;
  /** Live blocks: start → length. */
  readonly #blocks = new Map<number, number>();
  /** Capacity of every block ever made (live or freed), for reuse. */
  readonly #capacity = new Map<number, number>();
  readonly #freed: number[] = [];
  #input: Uint8Array = new Uint8Array(0);
  #inputView = new DataView(this.#input.buffer);
  #inputBlock = 0;
  #output: [number, number] | undefined;
  #error = 0;
  #call: PluginCall | undefined;
  #vars = new Map<string, Uint8Array>();
  #varsGiven: PluginCall['vars'] = [];
  #varsChanged = false;
  #varsRead = false;
  #varBytes = 0;
  #status = 0;
  #headers: Array<[string, string]> = [];
  #logs: PluginLog[] = [];
  #logBytes = 0;
  #dropped = 0;
  #changed = new Set<string>();
  #progress: PluginOutcome['progress'] = [];
  #logLevel = LOG_OFF;
  #exhausted = false;
  #live: PluginListeners | undefined;
  #logCount = 0;
  #progressCount = 0;
  /** The guarded module's globals (grow-guard.ts): the pages its memory may have, and whether a grow was refused. */
  #growLimit: WebAssembly.Global | undefined;
  #growRefused: WebAssembly.Global | undefined;
  /** What #growLimit was last set to (a global's setter costs more than this check). */
  #growPages = -1;

  constructor(options: KernelOptions) {
    this.#o = options;
  }

  /**
   * The instance's memory.grow guard, when its module has one: from now on
   * its linear memory may only grow into what the heap leaves of the limit.
   */
  guard(exports: WebAssembly.Exports): void {
    const limit = exports[GROW_LIMIT_EXPORT];
    const refused = exports[GROW_REFUSED_EXPORT];
    if (!(limit instanceof WebAssembly.Global) || !(refused instanceof WebAssembly.Global)) return;
    this.#growLimit = limit;
    this.#growRefused = refused;
    this.#heapMoved();
  }

  /** The heap's size changed: move the linear memory's share of the limit. */
  #heapMoved(): void {
    if (!this.#growLimit) return;
    // An i32 read unsigned: past 65536 pages the memory's own maximum decides.
    const pages = Math.min(Math.floor((this.#o.memoryLimit - (this.#top - BASE)) / PAGE), 65536);
    if (pages === this.#growPages) return;
    this.#growPages = pages;
    this.#growLimit.value = pages;
  }

  /** Set up one call: its input and what it is given. */
  bind(input: Uint8Array, call: PluginCall, live?: PluginListeners): void {
    this.#live = live;
    this.#logCount = 0;
    this.#progressCount = 0;
    // A reused instance starts from an empty heap, as a fresh one does (and
    // its globals as made: what the grow limit was last set to is unknown).
    this.#growPages = -1;
    this.#clearHeap();
    this.#status = 0;
    this.#headers = [];
    if (this.#logs.length > 0) this.#logs = [];
    this.#logBytes = 0;
    this.#dropped = 0;
    if (this.#changed.size > 0) this.#changed = new Set();
    if (this.#progress.length > 0) this.#progress = [];
    this.#exhausted = false;
    this.#call = call;
    this.#input = input;
    this.#inputView = new DataView(input.buffer, input.byteOffset, input.byteLength);
    this.#varsGiven = call.vars;
    this.#varsChanged = false;
    // Read lazily: most calls touch no vars.
    this.#varsRead = false;
    this.#logLevel = call.logLevel === undefined ? LOG_OFF : LOG_LEVELS.indexOf(call.logLevel);
  }

  /** What the call left, once its function returned `returned`. */
  finish(returned: number): PluginOutcome {
    const out = this.#output;
    const outcome: { -readonly [K in keyof PluginOutcome]: PluginOutcome[K] } = {
      returned,
      output: out ? this.#copy(out[0], out[1]) : new Uint8Array(0),
      vars: this.#varsChanged ? [...this.#vars] : (this.#varsGiven as Array<[string, Uint8Array]>),
      logs: this.#logs,
      droppedLogs: this.#dropped,
      changed: this.#changed.size > 0 ? [...this.#changed] : [],
      progress: this.#progress,
    };
    if (this.#error !== 0) outcome.error = this.#text(this.#error, 'error');
    return outcome;
  }

  /**
   * `length` bytes of the heap from `start`, copied. On the calling thread a
   * small copy is carved from Node's buffer pool (a typed array of its own
   * costs an allocation outside the heap, most of a short call's overhead);
   * in a worker it is a buffer of its own, since the outcome is cloned to
   * the embedder whole.
   */
  #copy(start: number, length: number): Uint8Array {
    if (!this.#o.trial) return this.#heap.slice(start, start + length);
    const out = Buffer.allocUnsafe(length);
    out.set(this.#heap.subarray(start, start + length));
    return out;
  }

  /** Bytes the heap holds now (what counts against the memory limit). */
  get heapBytes(): number {
    return this.#top - BASE;
  }

  // --- the heap ------------------------------------------------------------

  /** No blocks, so no output, error or input block either. */
  #clearHeap(): void {
    // A call that needed a large heap does not leave it to every later one.
    if (this.#heap.length > KEPT_HEAP) {
      this.#heap = new Uint8Array(4096);
      this.#view = new DataView(this.#heap.buffer);
    }
    this.#blocks.clear();
    this.#capacity.clear();
    this.#freed.length = 0;
    if (this.#top !== BASE) {
      this.#top = BASE;
      this.#heapMoved();
    }
    this.#output = undefined;
    this.#error = 0;
    this.#inputBlock = 0;
  }

  /** Whether an allocation or a memory.grow was refused for want of memory. */
  get exhausted(): boolean {
    return this.#exhausted || (this.#growRefused !== undefined && this.#growRefused.value !== 0);
  }

  /**
   * A new block of `n` bytes, zeroed; 0 when it would take linear memory
   * and kernel heap past the memory limit (as Extism's kernel gives 0 when
   * its memory cannot grow), which is remembered as the memory running out.
   */
  alloc(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.#o.memoryLimit) {
      this.#exhausted = true;
      return 0;
    }
    // A zero-length block is a block (an empty output, an empty var value).
    for (let i = this.#freed.length - 1, seen = 0; i >= 0 && seen < 64; i--, seen++) {
      const start = this.#freed[i]!;
      if (this.#capacity.get(start)! >= n) {
        this.#freed.splice(i, 1);
        this.#blocks.set(start, n);
        this.#heap.fill(0, start, start + n);
        return start;
      }
    }
    // 8-byte aligned, so load_u64 on a block start is aligned too.
    const start = this.#top;
    const end = start + Math.max(8, (n + 7) & ~7);
    const room = this.#o.memoryLimit - this.#o.linearBytes();
    if (end - BASE > room) {
      this.#exhausted = true;
      return 0;
    }
    if (end > this.#heap.length) {
      let size = this.#heap.length * 2;
      while (size < end) size *= 2;
      const grown = new Uint8Array(Math.min(size, Math.max(end, room)));
      grown.set(this.#heap.subarray(0, this.#top));
      this.#heap = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#top = end;
    this.#heapMoved();
    this.#blocks.set(start, n);
    this.#capacity.set(start, end - start);
    return start;
  }

  free(p: number): void {
    if (!this.#blocks.has(p)) return;
    this.#blocks.delete(p);
    if (p === this.#inputBlock) this.#inputBlock = 0;
    this.#freed.push(p);
  }

  /** The block's length, or 0 when `p` starts no live block. */
  length(p: number): number {
    return this.#blocks.get(p) ?? 0;
  }

  /** Throws unless [p, p + n) lies in the allocated heap; `p` as a number. */
  #check(address: bigint, n: number, what: string): number {
    const p = Number(address);
    if (!(n >= 0)) throw new KernelFault(`${what} ${hexOf(address)} with a length of ${n}`);
    // Nothing at all may be named anywhere (an empty output at address 0).
    if (n === 0 && (p === 0 || (p >= BASE && p <= this.#top))) return p;
    if (!(p >= BASE && p + n <= this.#top))
      throw new KernelFault(
        `${what} ${hexOf(address)}, outside its kernel memory (${hex(BASE)} to ${hex(this.#top)})`,
      );
    return p;
  }

  /**
   * A live block's bytes (copied), or a fault naming `what`. The address as
   * the plugin passed it (an i64) is what a fault shows: past 2^53 a number
   * would round it.
   */
  #block(address: bigint | number, what: string): Uint8Array {
    const p = Number(address);
    const n = this.#blocks.get(p);
    if (n === undefined)
      throw new KernelFault(
        `passed ${hexOf(BigInt(address))} as the ${what}, which is not a block it allocated`,
      );
    return this.#heap.slice(p, p + n);
  }

  #text(address: bigint | number, what: string): string {
    return decoder.decode(this.#block(address, what));
  }

  /** A block's text as JSON, or a fault naming `what`. */
  #json(address: bigint, what: string): unknown {
    const text = this.#text(address, what);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new KernelFault(
        `passed text that is not JSON as the ${what}: ${(error as Error).message}`,
      );
    }
  }

  /** Copy `bytes` into a new block; its address. */
  #store(bytes: Uint8Array): number {
    const p = this.alloc(bytes.length);
    if (p !== 0) this.#heap.set(bytes, p);
    return p;
  }

  // --- vars and logs -------------------------------------------------------

  /** This call's vars, made from what it was given on first use. */
  #varMap(): Map<string, Uint8Array> {
    if (!this.#varsRead) {
      this.#varsRead = true;
      this.#vars = new Map(this.#varsGiven);
      this.#varBytes = 0;
      for (const [k, v] of this.#varsGiven) this.#varBytes += k.length + v.length;
    }
    return this.#vars;
  }

  #setVar(key: string, value: Uint8Array | undefined): void {
    this.#varsChanged = true;
    const vars = this.#varMap();
    const old = vars.get(key);
    const next = this.#varBytes - (old ? key.length + old.length : 0);
    if (value === undefined) {
      vars.delete(key);
      this.#varBytes = next;
      return;
    }
    const max = this.#call!.maxVarBytes;
    if (next + key.length + value.length > max)
      throw new KernelFault(
        `set var ${JSON.stringify(key.slice(0, 64))} to ${value.length} bytes, past the ${max} bytes all its vars may hold`,
      );
    vars.set(key, value);
    this.#varBytes = next + key.length + value.length;
  }

  #log(level: PluginLog['level'], text: string): void {
    if (this.#logCount >= MAX_LOGS || this.#logBytes + text.length > MAX_LOG_BYTES) {
      this.#dropped++;
      return;
    }
    this.#logCount++;
    this.#logBytes += text.length;
    // Passed on as it happens where the embedder listens, else kept for the outcome.
    if (this.#live?.log) this.#live.log(level, text);
    else this.#logs.push({ level, text });
  }

  // --- the embedder --------------------------------------------------------

  #http(reqAddr: bigint, bodyAddr: bigint): number {
    const parsed = this.#json(reqAddr, 'HTTP request') as {
      url?: unknown;
      method?: unknown;
      headers?: unknown;
    } | null;
    if (typeof parsed?.url !== 'string')
      throw new KernelFault('passed an HTTP request without a `url`');
    const headers: Record<string, string> = {};
    if (parsed.headers && typeof parsed.headers === 'object')
      for (const [k, v] of Object.entries(parsed.headers as Record<string, unknown>))
        headers[k] = String(v);
    const req: EgressRequest = {
      url: parsed.url,
      ...(typeof parsed.method === 'string' ? { method: parsed.method } : {}),
      headers,
      ...(bodyAddr !== 0n ? { body: this.#block(bodyAddr, 'HTTP request body') } : {}),
    };
    if (this.#o.trial) throw new Unsettled('http_request');
    if (!this.#call?.http || !this.#o.call)
      throw new PluginHttpError(
        `HTTP request to ${parsed.url} failed: this plugin may not make HTTP requests`,
      );
    const reply = this.#o.call(PLUGIN_CHANNELS.http, req) as
      | { ok: true; response: EgressResponse }
      | { ok: false; message: string };
    if (!reply.ok)
      throw new PluginHttpError(`HTTP request to ${parsed.url} failed: ${reply.message}`);
    this.#status = reply.response.status;
    this.#headers = reply.response.headers;
    return reply.response.body.length === 0 ? 0 : this.#store(reply.response.body);
  }

  #user(fn: string, json: string | undefined): number {
    if (this.#o.trial) throw new Unsettled(fn);
    if (!this.#call?.user || !this.#o.call)
      throw new KernelFault(`called ${fn}, which this host does not answer here`);
    const reply = this.#o.call(PLUGIN_CHANNELS.user, {
      fn,
      ...(json !== undefined ? { json } : {}),
    } satisfies PluginUserRequest) as PluginUserReply;
    if (!reply.ok) throw new KernelFault(`called ${fn}, which failed: ${reply.message}`);
    return this.#store(encoder.encode(reply.json));
  }

  #notify(json: string): void {
    let m: { level?: unknown; data?: unknown; logger?: unknown };
    try {
      m = JSON.parse(json) as typeof m;
    } catch {
      m = { level: 'info', data: json };
    }
    const level = (
      ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'].includes(
        String(m.level),
      )
        ? m.level
        : 'info'
    ) as PluginLog['level'];
    const text = typeof m.data === 'string' ? m.data : JSON.stringify(m.data ?? null);
    this.#log(level, typeof m.logger === 'string' ? `${m.logger}: ${text}` : text);
  }

  // --- the imports ---------------------------------------------------------

  /** The `extism:host/env` and `extism:host/user` import objects. */
  imports(): Record<string, Record<string, (...args: never[]) => unknown>> {
    const n = (v: bigint) => Number(v);
    const heap = () => this.#heap;
    const log = (level: PluginLogLevel) => {
      const rank = LOG_LEVELS.indexOf(level);
      return (p: bigint) => {
        const at = n(p);
        const length = this.#blocks.get(at);
        if (length === undefined) this.#block(p, 'log message');
        else if (rank < this.#logLevel) return;
        // Past the cap only counted: a flood costs no decoding.
        else if (this.#logs.length >= MAX_LOGS || this.#logBytes + length > MAX_LOG_BYTES)
          this.#dropped++;
        else this.#log(level, this.#text(at, 'log message'));
      };
    };
    const env = {
      alloc: (size: bigint) => BigInt(this.alloc(n(size))),
      free: (p: bigint) => this.free(n(p)),
      length: (p: bigint) => BigInt(this.length(n(p))),
      length_unsafe: (p: bigint) => BigInt(this.length(n(p))),
      load_u8: (p: bigint) => heap()[this.#check(p, 1, 'read a byte at')]!,
      load_u64: (p: bigint) => this.#view.getBigUint64(this.#check(p, 8, 'read 8 bytes at'), true),
      store_u8: (p: bigint, v: number) => {
        heap()[this.#check(p, 1, 'wrote a byte at')] = v;
      },
      store_u64: (p: bigint, v: bigint) =>
        this.#view.setBigUint64(this.#check(p, 8, 'wrote 8 bytes at'), v, true),
      input_length: () => BigInt(this.#input.length),
      input_offset: () => {
        if (this.#inputBlock === 0 && this.#input.length > 0)
          this.#inputBlock = this.#store(this.#input);
        return BigInt(this.#inputBlock);
      },
      input_load_u8: (off: bigint) => {
        const o = n(off);
        if (!(o >= 0 && o < this.#input.length))
          throw new KernelFault(
            `read input byte ${o}, outside its input of ${this.#input.length} bytes`,
          );
        return this.#input[o]!;
      },
      input_load_u64: (off: bigint) => {
        const o = n(off);
        if (!(o >= 0 && o + 8 <= this.#input.length))
          throw new KernelFault(
            `read 8 input bytes at ${o}, outside its input of ${this.#input.length} bytes`,
          );
        return this.#inputView.getBigUint64(o, true);
      },
      output_set: (p: bigint, len: bigint) => {
        const start = n(p);
        const length = n(len);
        if (length < 0) throw new KernelFault(`set an output of ${len} bytes`);
        if (length > this.#o.maxOutput)
          throw new KernelFault(
            `set an output of ${length} bytes, more than its output limit of ${this.#o.maxOutput} bytes`,
          );
        this.#check(p, length, `set its output (${length} bytes) at`);
        this.#output = [start, length];
      },
      error_set: (p: bigint) => {
        const start = n(p);
        if (start === 0) {
          this.#error = 0;
          return;
        }
        const length = this.#blocks.get(start);
        if (length === undefined)
          throw new KernelFault(
            `passed ${hexOf(p)} as its error message, which is not a block it allocated`,
          );
        if (length > this.#o.maxOutput)
          throw new KernelFault(
            `set an error message of ${length} bytes, more than its output limit of ${this.#o.maxOutput} bytes`,
          );
        this.#error = start;
      },
      error_get: () => BigInt(this.#error),
      memory_bytes: () => BigInt(this.#top - BASE),
      reset: () => this.#clearHeap(),
      config_get: (p: bigint) => {
        const key = this.#text(p, 'config key');
        const config = this.#call!.config;
        return BigInt(Object.hasOwn(config, key) ? this.#store(encoder.encode(config[key])) : 0);
      },
      var_get: (p: bigint) => {
        const value = this.#varMap().get(this.#text(p, 'var name'));
        return BigInt(value ? this.#store(value) : 0);
      },
      var_set: (p: bigint, v: bigint) => {
        const key = this.#text(p, 'var name');
        this.#setVar(key, v === 0n ? undefined : this.#block(v, 'var value'));
      },
      http_request: (req: bigint, body: bigint) => BigInt(this.#http(req, body)),
      http_status_code: () => this.#status,
      http_headers: () =>
        BigInt(
          this.#headers.length === 0
            ? 0
            : this.#store(encoder.encode(JSON.stringify(Object.fromEntries(this.#headers)))),
        ),
      log_trace: log('trace'),
      log_debug: log('debug'),
      log_info: log('info'),
      log_warn: log('warn'),
      log_error: log('error'),
      get_log_level: () => this.#logLevel,
    };
    const user = {
      notify_logging_message: (p: bigint) => this.#notify(this.#text(p, 'logging message')),
      notify_progress: (p: bigint) => {
        const m = (this.#json(p, 'progress notification') ?? {}) as {
          progress?: unknown;
          total?: unknown;
          message?: unknown;
        };
        if (this.#progressCount >= MAX_PROGRESS || typeof m.progress !== 'number') return;
        this.#progressCount++;
        const total = typeof m.total === 'number' ? m.total : undefined;
        const message = typeof m.message === 'string' ? m.message : undefined;
        if (this.#live?.progress) this.#live.progress(m.progress, total, message);
        else
          this.#progress.push({
            progress: m.progress,
            ...(total !== undefined ? { total } : {}),
            ...(message !== undefined ? { message } : {}),
          });
      },
      notify_tool_list_changed: () => this.#changed.add('tools'),
      notify_prompt_list_changed: () => this.#changed.add('prompts'),
      notify_resource_list_changed: () => this.#changed.add('resources'),
      notify_resource_updated: (p: bigint) => {
        this.#text(p, 'resource update');
        this.#changed.add('resources');
      },
      list_roots: () => BigInt(this.#user('list_roots', undefined)),
      create_message: (p: bigint) =>
        BigInt(this.#user('create_message', this.#text(p, 'message request'))),
      create_elicitation: (p: bigint) =>
        BigInt(this.#user('create_elicitation', this.#text(p, 'elicitation request'))),
    };
    return { [EXTISM_ENV]: env, [EXTISM_USER]: user };
  }
}
