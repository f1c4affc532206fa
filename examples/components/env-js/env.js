// The `env` world. StarlingMonkey has no `process.env`, so the variables come
// from wasi:cli/environment on every call (never cached: the host may pass
// a different set to each call).

import { getEnvironment } from 'wasi:cli/environment@0.2.12';

export function getEnv(key) {
  for (const [name, value] of getEnvironment()) {
    if (name === key) return value;
  }
  return undefined;
}

export function listEnv() {
  return getEnvironment().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
