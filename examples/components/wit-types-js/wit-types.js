// The `types` interface: every echo function returns its argument as it
// came in, so a host can check its own conversions in both directions.

// A `result` arrives as `{ tag, val }`. Returning a value gives `ok`;
// throwing gives `err` with the thrown value.
function echoResultValue(v) {
  if (v.tag === 'err') throw v.val;
  return v.val;
}

class Counter {
  #value;

  constructor(start) {
    this.#value = start;
  }

  increment() {
    this.#value = (this.#value + 1) >>> 0;
    return this.#value;
  }
}

const same = (v) => v;

// componentize-js 0.23 hands a negative s64 parameter over as its unsigned
// value; reading it back as signed keeps the echo exact.
const sameS64 = (v) => BigInt.asIntN(64, v);

export const types = {
  echoBool: same,
  echoU8: same,
  echoU16: same,
  echoU32: same,
  echoU64: same,
  echoS8: same,
  echoS16: same,
  echoS32: same,
  echoS64: sameS64,
  echoF32: same,
  echoF64: same,
  echoChar: same,
  echoString: same,
  echoListU32: same,
  echoListString: same,
  echoTuple: same,
  echoPoint: same,
  echoShape: same,
  echoColor: same,
  echoOptionString: same,
  echoOptionOptionU8: same,
  echoResult: echoResultValue,
  echoResultUnit: echoResultValue,
  echoPerms: same,
  echoPoints: same,

  describe(p, c) {
    const label = p.label === undefined || p.label === null ? '' : ` ${JSON.stringify(p.label)}`;
    return `point (${p.x}, ${p.y})${label} in ${c}`;
  },

  ping() {},

  useCounter(c) {
    return c.increment();
  },

  Counter,
};
