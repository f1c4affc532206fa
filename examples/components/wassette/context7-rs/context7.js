// Wassette's `context7-rs` world in JavaScript: Context7's search and docs
// API through fetch() (StarlingMonkey's, on wasi:http), configured by the
// environment the policy allows: CONTEXT7_API_KEY (optional, sent as a bearer
// token) and CONTEXT7_API_URL (default https://context7.com).

import { getEnvironment } from 'wasi:cli/environment@0.2.12';

const DEFAULT_API = 'https://context7.com';

function env(key) {
  for (const [k, v] of getEnvironment()) if (k === key) return v;
  return undefined;
}

function describe(error) {
  return error && typeof error === 'object' ? error.message || String(error) : String(error);
}

async function get(path) {
  const base = (env('CONTEXT7_API_URL') || DEFAULT_API).replace(/\/+$/, '');
  const key = env('CONTEXT7_API_KEY');
  const headers = { 'X-Context7-Source': 'mcpkit' };
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(`${base}${path}`, { headers });
  } catch (error) {
    throw new Error(`network error: ${describe(error)}`);
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  return text;
}

const u32 = (n) => {
  const v = Math.round(Number(n));
  return Number.isFinite(v) && v > 0 ? Math.min(v, 4_294_967_295) : 0;
};

async function resolveLibraryId(libraryName) {
  try {
    const body = JSON.parse(await get(`/api/v1/search?query=${encodeURIComponent(libraryName)}`));
    const results = (Array.isArray(body.results) ? body.results : []).map((r) => ({
      id: String(r.id ?? ''),
      name: String(r.title ?? r.name ?? ''),
      description: String(r.description ?? ''),
      codeSnippets: u32(r.totalSnippets),
      trustScore: u32(r.trustScore),
      versions: Array.isArray(r.versions) ? r.versions.map(String) : [],
    }));
    return { success: true, results, error: undefined };
  } catch (error) {
    return { success: false, results: [], error: describe(error) };
  }
}

async function getLibraryDocs(id, topic, tokens) {
  const params = new URLSearchParams({ type: 'txt' });
  if (topic) params.set('topic', topic);
  if (tokens !== undefined && tokens !== null) params.set('tokens', String(tokens));
  const path = `/api/v1/${String(id).replace(/^\/+/, '')}?${params}`;
  try {
    return { success: true, content: await get(path), error: undefined };
  } catch (error) {
    return { success: false, content: undefined, error: describe(error) };
  }
}

export const context7 = { resolveLibraryId, getLibraryDocs };
