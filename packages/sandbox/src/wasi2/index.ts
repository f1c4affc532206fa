// WASI 0.2 for jco-transpiled components, policy-checked at every host call.

export type { HttpFunction } from './http.js';
export {
  createWasi2,
  unsupportedInterfaces,
  WASI2_INTERFACES,
  type Wasi2,
  type Wasi2Options,
} from './wasi2.js';
