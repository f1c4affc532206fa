// `mcpkit token …`, `mcpkit emergency …`, `mcpkit policy approve` and
// `mcpkit component quarantine|release`: the operator's side of access
// control, working on files (the token file, the data directory) so they
// reach a running server without a connection to it.

import { resolve } from 'node:path';
import { parseDuration, quote } from '@mcpkit/wasm-policy';
import { Access } from '../access/access.js';
import { OPERATOR } from '../access/model.js';
import { createToken, listTokens, revokeToken, type TokenRecord } from '../access/tokens.js';
import { readServerPolicy, serverPolicyFiles } from '../app.js';
import { PolicyApprovals } from '../approvals.js';
import { emergencyFile, engageStop, liftStop, readStop, type StopRecord } from '../emergency.js';
import { serverRegistry } from '../policies.js';
import { ComponentStore, defaultDataDir } from '../store.js';

export interface TokenFileChoice {
  /** The token file itself. */
  file?: string;
  /** A server policy naming it in `access.authentication.tokens`. */
  policy?: string;
}

/** The token file and the roles the server policy defines (undefined: not known). */
async function tokenTarget(choice: TokenFileChoice): Promise<{ file: string; roles?: string[] }> {
  if (choice.file) return { file: resolve(choice.file) };
  if (!choice.policy)
    throw new Error('say which token file: --file <tokens.json> or --policy <server policy>');
  const registry = serverRegistry();
  const { document } = await readServerPolicy(choice.policy, registry);
  const access = await Access.create(document, registry);
  const file = access.section?.tokens;
  if (!file)
    throw new Error(
      `${quote(choice.policy)} names no token file: add \`access.authentication.tokens: ./tokens.json\``,
    );
  return { file, roles: [...access.roles.keys()] };
}

export async function createTokenCommand(
  choice: TokenFileChoice,
  options: { role: string; name?: string; expires?: string },
): Promise<{ token: string; record: TokenRecord; file: string }> {
  const { file, roles } = await tokenTarget(choice);
  if (roles && !roles.includes(options.role))
    throw new Error(
      `the server policy defines no role ${quote(options.role)}; its roles: ${roles.map(quote).join(', ')}`,
    );
  let expiresInMs: number | undefined;
  if (options.expires !== undefined) {
    const d = parseDuration(options.expires);
    if (!d.ok) throw new Error(`--expires ${d.message} (e.g. \`30d\`, \`12h\`)`);
    expiresInMs = d.value;
  }
  const r = await createToken(file, {
    role: options.role || OPERATOR,
    ...(options.name ? { name: options.name } : {}),
    ...(expiresInMs ? { expiresInMs } : {}),
  });
  return { ...r, file };
}

export async function listTokensCommand(choice: TokenFileChoice) {
  const { file } = await tokenTarget(choice);
  return { file, tokens: await listTokens(file) };
}

export async function revokeTokenCommand(choice: TokenFileChoice, id: string): Promise<void> {
  const { file } = await tokenTarget(choice);
  if (!(await revokeToken(file, id))) throw new Error(`no token ${quote(id)} in ${quote(file)}`);
}

const dataDirOf = (dataDir?: string) => resolve(dataDir ?? defaultDataDir());

export async function emergencyCommand(
  what: 'stop' | 'lift' | 'status',
  options: { dataDir?: string; reason?: string; by?: string },
): Promise<StopRecord | undefined> {
  const file = emergencyFile(dataDirOf(options.dataDir));
  if (what === 'stop')
    return engageStop(file, {
      by: options.by ?? `operator (${process.env.USER ?? 'cli'})`,
      ...(options.reason ? { reason: options.reason } : {}),
    });
  if (what === 'lift') await liftStop(file);
  return readStop(file);
}

/** Approve a server policy as it is now: the file, what it extends and its role policies. */
export async function approvePolicyCommand(
  file: string,
  options: { dataDir?: string },
): Promise<string[]> {
  const files = await serverPolicyFiles(file);
  await new PolicyApprovals(dataDirOf(options.dataDir)).approve(
    files,
    `operator (${process.env.USER ?? 'cli'})`,
  );
  return files;
}

export async function quarantineCommand(
  id: string,
  options: { dataDir?: string; reason?: string; release?: boolean },
): Promise<void> {
  const store = new ComponentStore(dataDirOf(options.dataDir));
  if (!(await store.has(id))) throw new Error(`no component ${quote(id)} is stored`);
  await store.writeQuarantine(
    id,
    options.release
      ? undefined
      : `${JSON.stringify({
          by: `operator (${process.env.USER ?? 'cli'})`,
          at: new Date().toISOString(),
          ...(options.reason ? { reason: options.reason } : {}),
        })}\n`,
  );
}
