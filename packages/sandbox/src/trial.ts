// Trial runs: a call to a command module is first tried on the calling
// thread, in a metered copy of the module (meter.ts) whose host calls may
// only touch memory. Most tool calls are short and need nothing else; they
// finish here without the round trip to a worker. A trial that runs out of
// budget (a bounded stretch of the calling thread, about a millisecond),
// needs a host call outside memory, or overflows its smaller stack leaves
// nothing behind and the call runs in a worker as it would have anyway.

import type { CompiledPolicy } from '@mcpkit/wasm-policy';
import {
  type PreparedInstance,
  prepareInstance,
  type RunOutcome,
  type RunRequest,
} from './instance.js';
import type { LoadedModule, MeteredModule } from './module.js';

/** Units of fuel a trial may spend (roughly instructions; see meter.ts). */
export const TRIAL_FUEL = 1_000_000;
/** Largest initial memory kept as an image to reset instances from (else a fresh instance each time). */
const RESET_BYTES = 4 * 1024 * 1024;
/** Unsettled trials in a row after which a program is only tried now and then. */
const MISSES_BEFORE_BACKING_OFF = 3;
/** While backing off, one call in this many is still tried. */
const RETRY_EVERY = 32;

export interface TrialOptions {
  component: string;
  policy: CompiledPolicy;
  memoryLimit: number;
  maxOutput: number;
}

export class TrialRunner {
  readonly #module: MeteredModule;
  readonly #o: TrialOptions;
  readonly #pages: { initial: number; maximum?: number } | undefined;
  /** The instance that ran last, to be reset for the next trial when it can be. */
  #used: PreparedInstance | undefined;
  /** An instance made while the thread was idle, for the next trial. */
  #spare: PreparedInstance | undefined;
  #refilling = false;
  /** Set when making an instance failed unexpectedly: no more trials. */
  #broken = false;
  readonly #misses = new Map<string, { inARow: number; skipped: number }>();

  private constructor(module: MeteredModule, loaded: LoadedModule, options: TrialOptions) {
    this.#module = module;
    this.#o = options;
    const m = loaded.memory;
    if (module.memoryImported && m) {
      this.#pages = {
        initial: m.initialPages,
        ...(m.maxPages !== undefined ? { maximum: m.maxPages } : {}),
      };
    }
  }

  /** A runner for `loaded`, or the reason it cannot have one. */
  static async create(
    loaded: LoadedModule,
    options: TrialOptions,
  ): Promise<TrialRunner | { reason: string }> {
    const m = await loaded.metered(TRIAL_FUEL);
    return 'module' in m ? new TrialRunner(m, loaded, options) : m;
  }

  /**
   * An instance as new: the last one reset (memory and globals as they were
   * made, a new WASI host), else a fresh one. Resetting costs a copy of the
   * initial memory instead of an instantiation and the garbage it leaves.
   */
  #prepare(): PreparedInstance {
    const used = this.#used;
    this.#used = undefined;
    if (used?.reset?.()) return used;
    const m = this.#module;
    return prepareInstance(m.module, this.#o.component, this.#o.maxOutput, {
      policy: this.#o.policy,
      hostModules: [],
      memoryLimit: this.#o.memoryLimit,
      trial: true,
      ...(this.#pages ? { memory: new WebAssembly.Memory(this.#pages) } : {}),
      ...(m.resettable && (this.#pages?.initial ?? 0) * 65536 <= RESET_BYTES
        ? { reuse: { globals: m.globals } }
        : {}),
    });
  }

  /** An instance, or undefined (and no more trials) if one cannot be made. */
  #safely(): PreparedInstance | undefined {
    try {
      return this.#prepare();
    } catch {
      this.#broken = true;
      return undefined;
    }
  }

  /** Whether a call of `program` is worth trying here. */
  wants(program: string): boolean {
    if (this.#broken) return false;
    const m = this.#misses.get(program);
    if (!m || m.inARow < MISSES_BEFORE_BACKING_OFF) return true;
    m.skipped = (m.skipped + 1) % RETRY_EVERY;
    return m.skipped === 0;
  }

  /** The call's outcome, or undefined when the trial could not settle it. */
  run(request: RunRequest): RunOutcome | undefined {
    const prepared = this.#spare ?? this.#safely();
    this.#spare = undefined;
    if (!prepared) return undefined;
    const outcome = prepared.run(request, {});
    this.#used = prepared;
    this.#refill();
    const program = request.args[0] ?? '';
    if (outcome.unsettled === undefined) {
      this.#misses.delete(program);
      return outcome;
    }
    const m = this.#misses.get(program) ?? { inARow: 0, skipped: 0 };
    m.inARow++;
    this.#misses.set(program, m);
    return undefined;
  }

  /** Make the next instance once the thread has nothing else to do. */
  #refill(): void {
    if (this.#refilling) return;
    this.#refilling = true;
    setImmediate(() => {
      this.#refilling = false;
      this.#spare ??= this.#safely();
    }).unref();
  }
}
