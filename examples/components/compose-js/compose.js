// The `compose` world: everything it does goes through mcpkit:host, whose
// failures arrive as thrown errors carrying the `err` string as `payload`.

import { log } from 'mcpkit:host/log@0.1.0';
import { report } from 'mcpkit:host/progress@0.1.0';
import { callTool } from 'mcpkit:host/tools@0.1.0';

function forward(name, args) {
  try {
    return callTool(name, args);
  } catch (error) {
    if (error && typeof error.payload === 'string') throw error.payload;
    throw `call-tool failed: ${error && error.message ? error.message : String(error)}`;
  }
}

export function sumAndHash(text) {
  log('info', `hashing ${text.length} characters with sha256`);
  report(0.5, 1.0, 'calling the hash tool');
  return forward('hash', JSON.stringify({ text, algorithm: 'sha256' }));
}

export function call(name, args) {
  return forward(name, args);
}
