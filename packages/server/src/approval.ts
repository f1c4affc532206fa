// Runtime grants a person approves. With `mcp.grants.approval: elicit` in the
// server policy, every grant within the ceiling, whether a client's grant tool
// or a component's own request (mcpkit:host/permissions) asked for it, is put
// to the person using the client through MCP elicitation (form mode): exactly
// what would be granted, to which component, and who asked. Only an explicit
// yes grants it; a decline, a cancel, no answer in time, or a client that
// cannot ask refuses it.

import type { GrantRequest } from '@mcpkit/sandbox';
import { type PolicyDocument, quote } from '@mcpkit/wasm-policy';
import { type ClientChannel, canElicit } from './client-channel.js';

export type Requester =
  | { readonly kind: 'client'; readonly tool: string }
  | { readonly kind: 'component'; readonly reason: string };

export type ApprovalOutcome =
  | { readonly approved: true }
  | { readonly approved: false; readonly reason: string };

/** Longest reason a component may give; the rest is cut off. */
export const MAX_REASON = 500;

const ACCESS: Record<string, string> = {
  read: 'read',
  write: 'write',
};

function list(words: readonly string[]): string {
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** One line per rule the grant adds, in words, with the rule as it is stored. */
export function describeGrant(doc: PolicyDocument): string[] {
  const out: string[] = [];
  for (const r of doc.storage.allow)
    out.push(`${list(r.access.map((a) => ACCESS[a] ?? a))} access to fs://${r.pattern}`);
  for (const r of doc.network.allow) {
    const target = r.kind === 'host' ? r.pattern : `the addresses ${r.pattern}`;
    const ports = r.ports?.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`));
    out.push(
      `network access to ${target}${ports ? ` on port${ports.length > 1 ? 's' : ''} ${list(ports)}` : ''}`,
    );
  }
  for (const r of doc.environment.allow) out.push(`the environment variable ${r.key}`);
  return out;
}

function reasonText(reason: string): string {
  const oneLine = reason.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON)}…` : oneLine;
}

/** The message the person sees. */
export function approvalMessage(
  componentId: string,
  lines: readonly string[],
  by: Requester,
): string {
  const who =
    by.kind === 'client'
      ? `The client asks (with \`${by.tool}\`) to grant component \`${componentId}\`:`
      : `Component \`${componentId}\` asks to be granted:`;
  const why =
    by.kind === 'component' && by.reason.trim() !== ''
      ? `\nIts reason, in its own words: "${reasonText(by.reason)}"`
      : '';
  return `${who}\n${lines.map((l) => `  - ${l}`).join('\n')}${why}\nThis lasts until it is revoked (revoke-* or reset-permission). Grant it?`;
}

/**
 * Ask the person using `channel` to approve `grant` for `componentId`.
 * Resolves with the outcome; never throws for a refusal.
 */
export async function askApproval(
  componentId: string,
  grant: PolicyDocument,
  by: Requester,
  channel: ClientChannel | undefined,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
): Promise<ApprovalOutcome> {
  const lines = describeGrant(grant);
  if (!canElicit(channel))
    return {
      approved: false,
      reason:
        'the server policy has a person approve every grant (`mcp.grants.approval: elicit`), and this client cannot ask one: it does not support MCP elicitation. Use a client that does, or ask the operator',
    };
  let answer: Awaited<ReturnType<ClientChannel['elicit']>>;
  try {
    answer = await channel!.elicit(
      {
        message: approvalMessage(componentId, lines, by),
        requestedSchema: {
          type: 'object',
          properties: {
            grant: {
              type: 'boolean',
              title: `Grant this to ${componentId}`,
              description: list(lines),
              default: false,
            },
          },
          required: ['grant'],
        },
      },
      options,
    );
  } catch (error) {
    const timedOut = /timed out|timeout/i.test((error as Error).message);
    return {
      approved: false,
      reason: timedOut
        ? `no answer came within ${Math.round(options.timeoutMs / 1000)}s (\`mcp.grants.timeout\`), so nothing was granted`
        : `the approval could not be asked: ${(error as Error).message}`,
    };
  }
  if (answer.action !== 'accept')
    return {
      approved: false,
      reason: `the person ${answer.action === 'decline' ? 'declined' : 'cancelled'} it`,
    };
  if (answer.content?.grant !== true)
    return { approved: false, reason: 'the person did not say yes' };
  return { approved: true };
}

/** What an approval refusal reads as, to whoever asked. */
export function refusalMessage(
  componentId: string,
  lines: readonly string[],
  reason: string,
): string {
  return `not granted to ${quote(componentId)} (${lines.join('; ')}): ${reason}`;
}

/** A component's request as the grant the management tools would make. */
export function grantFragment(request: GrantRequest): Record<string, unknown> {
  switch (request.kind) {
    case 'storage':
      return { storage: { allow: [{ uri: request.uri, access: [...request.access] }] } };
    case 'network':
      return { network: { allow: [{ host: request.host }] } };
    default:
      return { environment: { allow: [{ key: request.key }] } };
  }
}
