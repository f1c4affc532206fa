// `mcp.grants`, read from the server policy: whether a runtime grant (from a
// client's grant tool, or a component's `mcpkit:host/permissions` request)
// needs a person to approve it through MCP elicitation, and how long to wait.

import {
  didYouMean,
  joinPointer,
  parseDuration,
  quote,
  type SectionContext,
} from '@mcpkit/wasm-policy';
import { APPROVALS, type Approval, type GrantsSection } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The longest anyone is asked to decide in. */
const MAX_TIMEOUT_MS = 60 * 60 * 1000;

export function readGrants(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): GrantsSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `mcp.grants` section', ['approval', 'timeout']);
  if (!map) return undefined;
  const out: Mutable<GrantsSection> = { at: ctx.ref(pointer) };
  let ok = true;
  if (map.approval !== undefined && map.approval !== null) {
    const at = joinPointer(pointer, 'approval');
    const v = ctx.readString(map.approval, at, '`mcp.grants.approval`');
    if (v === undefined) ok = false;
    else if (!(APPROVALS as readonly string[]).includes(v)) {
      ctx.error(
        'unknown-approval',
        at,
        `unknown approval ${quote(v)}`,
        didYouMean(v, APPROVALS) ??
          '`elicit` asks a person through the client for each grant; `none` (the default) grants what is within the ceiling',
      );
      ok = false;
    } else out.approval = v as Approval;
  }
  if (map.timeout !== undefined && map.timeout !== null) {
    const at = joinPointer(pointer, 'timeout');
    const parsed = parseDuration(map.timeout);
    if (!parsed.ok || parsed.value > MAX_TIMEOUT_MS) {
      ctx.error(
        'invalid-timeout',
        at,
        `\`mcp.grants.timeout\` ${quote(map.timeout)} ${parsed.ok ? 'is longer than an hour' : parsed.message}`,
        'e.g. `timeout: 2m` or `timeout: 90s`',
      );
      ok = false;
    } else out.timeoutMs = parsed.value;
  }
  return ok ? out : undefined;
}
