// The `ask` world: reads environment variables (which are only ever the
// ones its policy allows) and asks the host for more through
// mcpkit:host/permissions, whose refusals arrive as thrown errors carrying
// the `err` string as `payload`.

import { requestGrant } from 'mcpkit:host/permissions@0.1.0';
import { getEnvironment } from 'wasi:cli/environment@0.2.12';

export function getEnv(key) {
  for (const [name, value] of getEnvironment()) if (name === key) return value;
  return undefined;
}

function ask(request, reason) {
  try {
    requestGrant(request, reason);
    return 'granted; it applies from the next call';
  } catch (error) {
    throw error && typeof error.payload === 'string' ? error.payload : String(error);
  }
}

export function askEnv(key, reason) {
  return ask({ tag: 'environment', val: key }, reason);
}

export function askStorage(uri, reason) {
  return ask({ tag: 'storage', val: { uri, access: ['read'] } }, reason);
}
