// Wassette's `brave-search-rs` world in JavaScript: Brave's web search API
// through fetch() (StarlingMonkey's, on wasi:http), the key from the
// environment the policy allows (BRAVE_SEARCH_API_KEY; BRAVE_SEARCH_API_URL
// replaces https://api.search.brave.com).

import { getEnvironment } from 'wasi:cli/environment@0.2.12';

const DEFAULT_API = 'https://api.search.brave.com';
const MAX_RESULTS = 10;

function env(key) {
  for (const [k, v] of getEnvironment()) if (k === key) return v;
  return undefined;
}

/** HTML tags (Brave marks matches with <strong>) and entities, out. */
function plain(s) {
  return String(s ?? '')
    .replace(/<[^>]*>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

async function search(query) {
  const q = String(query).trim();
  if (q === '') throw 'query is empty';
  const key = env('BRAVE_SEARCH_API_KEY');
  if (!key) {
    throw 'BRAVE_SEARCH_API_KEY is not set: set it as a secret or environment variable, and allow it in the policy (`environment.allow`)';
  }
  const base = (env('BRAVE_SEARCH_API_URL') || DEFAULT_API).replace(/\/+$/, '');
  let response;
  try {
    response = await fetch(
      `${base}/res/v1/web/search?q=${encodeURIComponent(q)}&count=${MAX_RESULTS}`,
      { headers: { Accept: 'application/json', 'X-Subscription-Token': key } },
    );
  } catch (error) {
    throw `network error: ${error?.message ?? error}`;
  }
  const text = await response.text();
  if (!response.ok) throw `HTTP ${response.status}: ${text.trim().slice(0, 200)}`;
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw 'the search service did not answer with JSON';
  }
  const results = body?.web?.results ?? [];
  if (results.length === 0) return `No results for "${q}".`;
  return results
    .slice(0, MAX_RESULTS)
    .map((r, i) => `${i + 1}. [${plain(r.title)}](${r.url})\n   ${plain(r.description)}`)
    .join('\n');
}

export { search };
