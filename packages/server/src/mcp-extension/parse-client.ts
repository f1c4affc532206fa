// `mcp.client`: what a component may ask of the MCP client through
// `mcpkit:host/client`. Each is off unless the component's policy turns it
// on; the server's policy may turn it off for every component.

import { joinPointer, type SectionContext } from '@mcpkit/wasm-policy';
import type { ClientSection } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const CLIENT_KEYS = Object.freeze(['sampling', 'elicitation', 'roots'] as const);

export function readClient(
  ctx: SectionContext,
  value: unknown,
  pointer: string,
): ClientSection | undefined {
  const map = ctx.readMap(value, pointer, 'the `mcp.client` section', CLIENT_KEYS);
  if (!map) return undefined;
  const out: Mutable<ClientSection> = { at: ctx.ref(pointer) };
  let ok = true;
  for (const key of CLIENT_KEYS) {
    if (map[key] === undefined || map[key] === null) continue;
    const v = ctx.readBoolean(map[key], joinPointer(pointer, key), `\`mcp.client.${key}\``);
    if (v === undefined) ok = false;
    else out[key] = v;
  }
  return ok ? out : undefined;
}
