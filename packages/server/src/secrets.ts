// Secrets for guests (API keys and the like), kept per component outside its
// policy and grants: in a file per component (secret-file-store.ts) or the
// OS keyring (secret-keyring-store.ts). A guest gets them as environment
// variables, and only the keys its policy allows; values never appear in
// logs, in what management tools return, or in error messages.

import { quote } from '@mcpkit/wasm-policy';
import { isComponentId } from './store.js';

export type SecretStoreKind = 'file' | 'keyring';
export const SECRET_STORE_KINDS: readonly SecretStoreKind[] = Object.freeze(['file', 'keyring']);

export interface SecretStore {
  readonly kind: SecretStoreKind;
  /** Where the secrets are kept, for messages. */
  readonly location: string;
  /** The keys a component has secrets for, sorted. */
  keys(componentId: string): Promise<string[]>;
  /** Every secret of a component, to hand its guest (filtered by its policy). */
  values(componentId: string): Promise<Record<string, string>>;
  /** Add or replace one secret. */
  set(componentId: string, key: string, value: string): Promise<void>;
  /** Remove one secret; false when there was none. */
  delete(componentId: string, key: string): Promise<boolean>;
  /** Call `listener` with a component's id when its secrets change behind the server's back. */
  watch?(listener: (componentId: string) => void): () => void;
}

/** A secret operation that failed; the message never holds a secret's value. */
export class SecretError extends Error {
  readonly code = 'secret-failed';
}

/** Environment variable names: what a guest can be handed. */
const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
/** Largest value, in UTF-16 code units. */
export const MAX_SECRET_LENGTH = 64 * 1024;

export function checkComponentId(id: string): void {
  if (!isComponentId(id))
    throw new SecretError(
      `${quote(id)} is not a component id (lower-case letters, digits, \`-\` and \`_\`; see \`mcpkit component list\`)`,
    );
}

export function checkSecretKey(key: string): void {
  if (!KEY.test(key))
    throw new SecretError(
      `${quote(key)} is not a secret key: it becomes an environment variable, so letters, digits and \`_\`, not starting with a digit`,
    );
}

/** Checks a value without ever putting it in the message. */
export function checkSecretValue(key: string, value: unknown): asserts value is string {
  if (typeof value !== 'string')
    throw new SecretError(`the value of secret ${quote(key)} must be text`);
  if (value.length > MAX_SECRET_LENGTH)
    throw new SecretError(
      `the value of secret ${quote(key)} is ${value.length} characters, more than ${MAX_SECRET_LENGTH}`,
    );
  if (value.includes('\0'))
    throw new SecretError(
      `the value of secret ${quote(key)} has a NUL character, which an environment variable cannot hold`,
    );
}
