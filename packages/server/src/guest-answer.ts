// What a guest answers to a client's request (a prompt, a resource, a
// completion), turned into what the client gets: a guest's failure becomes a
// JSON-RPC error saying what failed, and the answer must be valid MCP.

import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { GuestError } from './guest.js';
import { ProtocolError } from './protocol-error.js';

/** The first few problems a schema found, with where. */
export function schemaIssues(error: Issues): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || 'the result'}: ${i.message}`)
    .join('; ');
}

type Issues = { issues: Array<{ path: PropertyKey[]; message: string }> };

/** What MCP's result schemas (zod) offer. */
interface ResultSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: Issues };
}

/**
 * Run `ask`, the guest's answer; `failed` names what failed, `what` what was
 * returned (`a prompt`), `componentId` who returned it.
 */
export async function guestAnswer<T>(
  ask: () => Promise<unknown>,
  schema: ResultSchema<T> | undefined,
  names: { readonly failed: string; readonly what: string; readonly componentId: string },
): Promise<T> {
  let result: unknown;
  try {
    result = await ask();
  } catch (error) {
    if (error instanceof GuestError)
      throw new ProtocolError(ErrorCode.InternalError, `${names.failed} failed: ${error.message}`);
    throw error;
  }
  if (!schema) return result as T;
  const checked = schema.safeParse(result);
  if (!checked.success)
    throw new ProtocolError(
      ErrorCode.InternalError,
      `component \`${names.componentId}\` returned ${names.what} that is not valid MCP: ${schemaIssues(checked.error)}`,
    );
  return checked.data;
}
