// Wassette's `gomodule-go` world in JavaScript: `<proxy>/<module>/@latest`
// of the Go module proxy protocol, through fetch() (StarlingMonkey's, on
// wasi:http).

import { getEnvironment } from 'wasi:cli/environment@0.2.12';

const DEFAULT_PROXY = 'https://proxy.golang.org';
const MAX_MODULES = 20;

function proxy() {
  for (const [k, v] of getEnvironment()) {
    if (k !== 'GOPROXY') continue;
    // GOPROXY is a list; `direct` and `off` are not proxies.
    const first = v.split(/[,|]/).map((s) => s.trim()).find((s) => /^https?:\/\//.test(s));
    if (first) return first.replace(/\/+$/, '');
  }
  return DEFAULT_PROXY;
}

function modules(names) {
  const list = [...new Set(String(names).split(/[\s,]+/).filter(Boolean))];
  if (list.length === 0) throw 'no module names given';
  if (list.length > MAX_MODULES) throw `at most ${MAX_MODULES} modules at once, not ${list.length}`;
  for (const m of list) {
    if (!/^[A-Za-z0-9._~\-/]+$/.test(m) || m.startsWith('/') || m.includes('..'))
      throw `not a module path: ${m}`;
  }
  return list;
}

/** The proxy protocol's case encoding: each upper-case letter as `!` and its lower case. */
function escapePath(path) {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

async function latest(module) {
  let response;
  try {
    response = await fetch(`${proxy()}/${escapePath(module)}/@latest`);
  } catch (error) {
    return { module, error: `network error: ${error?.message ?? error}` };
  }
  const text = await response.text();
  if (!response.ok) return { module, error: `HTTP ${response.status}: ${text.trim().slice(0, 200)}` };
  try {
    const info = JSON.parse(text);
    return { module, version: String(info.Version), time: info.Time ?? null };
  } catch {
    return { module, error: 'the proxy did not answer with JSON' };
  }
}

async function getModuleInfo(names) {
  const infos = [];
  for (const m of modules(names)) infos.push(await latest(m));
  return JSON.stringify(infos);
}

async function getLatestVersions(names) {
  const out = {};
  for (const m of modules(names)) {
    const info = await latest(m);
    out[m] = info.error ? { error: info.error } : info.version;
  }
  return JSON.stringify(out);
}

export const gomodule = { getLatestVersions, getModuleInfo };
