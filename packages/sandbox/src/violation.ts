// A denied capability, as the embedder sees it: structured, one per refusal.
// The guest itself only ever sees an errno (EACCES / ENOTCAPABLE) or an error result.

import type { RuleRef } from '@mcpkit/wasm-policy';

export type Capability =
  | 'storage'
  | 'network'
  | 'environment'
  | 'memory'
  | 'time'
  | 'output'
  | 'host-function';

export interface Violation {
  /** Id of the component (guest) that attempted it. */
  readonly component: string;
  readonly capability: Capability;
  /** What was attempted: a host path, a URL or host, an address, a variable, a function name. */
  readonly target: string;
  /** `read`, `write`, an HTTP method, `connect`, `call`... */
  readonly access: string;
  /** The deny rule that decided, or null for default deny. */
  readonly rule: RuleRef | null;
  /** Why, in words, from the policy decision. */
  readonly reason: string;
  /** ISO 8601. */
  readonly time: string;
}

export type ViolationListener = (violation: Violation) => void;

export function violation(
  component: string,
  capability: Capability,
  target: string,
  access: string,
  decision: { rule: RuleRef | null; reason: string },
): Violation {
  return Object.freeze({
    component,
    capability,
    target,
    access,
    rule: decision.rule,
    reason: decision.reason,
    time: new Date().toISOString(),
  });
}
