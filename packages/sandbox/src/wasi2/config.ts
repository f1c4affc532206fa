// wasi:config/store (0.2.0-draft), which Wassette's components read their API
// keys through: the same variables wasi:cli/environment shows, the ones the
// policy's `environment.allow` grants, so a key is granted and audited the
// same way whichever interface reads it.

import { allowedEnvironment } from './cli.js';
import { type Context, guardFunction } from './context.js';

export function createConfig(
  ctx: Context,
  env: Readonly<Record<string, string>>,
): Record<string, Record<string, unknown>> {
  const values = new Map(allowedEnvironment(ctx.policy, env));
  return {
    'wasi:config/store': {
      get: guardFunction(ctx, (key: string): string | undefined => {
        const value = values.get(key);
        if (value !== undefined) return value;
        // Asked by name, so a refusal is worth reporting; an unset key that
        // the policy allows is simply absent.
        const decision = ctx.policy.decideEnv(key);
        if (!decision.allowed) ctx.deny('environment', key, 'read', decision.reason);
        return undefined;
      }),
      getAll: guardFunction(ctx, (): Array<[string, string]> => [...values]),
    },
  };
}
