// Secrets in the OS keyring, through the Secret Service (GNOME Keyring,
// KWallet, KeePassXC) and its command-line client `secret-tool` (libsecret).
// Each secret is an item with the attributes `service=mcpkit`,
// `component=<id>` and `key=<KEY>`; values go to `secret-tool` on its stdin
// and come back on its stdout, never on a command line.

import { spawn } from 'node:child_process';
import { quote } from '@mcpkit/wasm-policy';
import {
  checkComponentId,
  checkSecretKey,
  checkSecretValue,
  SecretError,
  type SecretStore,
} from './secrets.js';

const SERVICE = 'mcpkit';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function secretTool(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('secret-tool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new SecretError(
          error.code === 'ENOENT'
            ? 'the OS keyring is reached through `secret-tool` (libsecret-tools), which is not installed here; install it, or keep secrets in files (`--secret-store file`)'
            : `cannot run secret-tool: ${error.message}`,
        ),
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** secret-tool's complaint, without anything it echoed back of a secret. */
function failure(what: string, r: Run): SecretError {
  const line = r.stderr.split('\n').find((l) => l.trim() !== '' && !/^secret\s*=/.test(l)) ?? '';
  return new SecretError(
    `the OS keyring could not ${what}${line ? `: ${line.trim()}` : ''} (is a Secret Service such as GNOME Keyring running and unlocked?)`,
  );
}

export class KeyringSecretStore implements SecretStore {
  readonly kind = 'keyring' as const;
  readonly location = 'the OS keyring (Secret Service, via secret-tool)';

  #attrs(id: string, key?: string): string[] {
    checkComponentId(id);
    return ['service', SERVICE, 'component', id, ...(key !== undefined ? ['key', key] : [])];
  }

  async keys(id: string): Promise<string[]> {
    const r = await secretTool(['search', '--all', ...this.#attrs(id)]);
    // No match is exit code 1 with nothing printed.
    if (r.code !== 0 && (r.stdout.trim() !== '' || r.stderr.trim() !== ''))
      throw failure(`list the secrets of ${quote(id)}`, r);
    const keys = new Set<string>();
    // Attributes are printed on stdout or stderr depending on the version.
    for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) {
      const m = /^attribute\.key = (.*)$/.exec(line.trim());
      if (m) keys.add(m[1]!);
    }
    return [...keys].sort();
  }

  async values(id: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of await this.keys(id)) {
      const r = await secretTool(['lookup', ...this.#attrs(id, key)]);
      if (r.code !== 0) throw failure(`read secret ${quote(key)} of ${quote(id)}`, r);
      out[key] = r.stdout;
    }
    return out;
  }

  async set(id: string, key: string, value: string): Promise<void> {
    checkSecretKey(key);
    checkSecretValue(key, value);
    const r = await secretTool(
      ['store', `--label=mcpkit ${id} ${key}`, ...this.#attrs(id, key)],
      value,
    );
    if (r.code !== 0) throw failure(`store secret ${quote(key)} of ${quote(id)}`, r);
  }

  async delete(id: string, key: string): Promise<boolean> {
    checkSecretKey(key);
    if (!(await this.keys(id)).includes(key)) return false;
    const r = await secretTool(['clear', ...this.#attrs(id, key)]);
    if (r.code !== 0) throw failure(`delete secret ${quote(key)} of ${quote(id)}`, r);
    return true;
  }
}
