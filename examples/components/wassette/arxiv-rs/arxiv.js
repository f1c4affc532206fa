// Wassette's `arxiv-rs` world in JavaScript: arXiv's Atom query API and its
// PDFs through fetch() (StarlingMonkey's, on wasi:http). ARXIV_API_URL in the
// environment the policy allows replaces https://export.arxiv.org.

import { getEnvironment } from 'wasi:cli/environment@0.2.12';

const DEFAULT_API = 'https://export.arxiv.org';
const MAX_PDF = 4 * 1024 * 1024;

function base() {
  for (const [k, v] of getEnvironment()) if (k === 'ARXIV_API_URL' && v) return v.replace(/\/+$/, '');
  return DEFAULT_API;
}

function checkId(id) {
  const s = String(id).trim();
  // New-style (2301.00001, with a version) and old-style (hep-th/9901001) ids.
  if (!/^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/.test(s)) throw `not an arXiv id: ${id}`;
  return s;
}

async function get(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw `network error: ${error?.message ?? error}`;
  }
  if (!response.ok) throw `HTTP ${response.status} from arXiv`;
  return response;
}

function decode(s) {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function field(xml, tag) {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? decode(m[1]) : '';
}

function entries(feed) {
  return [...feed.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map(([, e]) => ({
    id: field(e, 'id').replace(/^https?:\/\/arxiv\.org\/abs\//, ''),
    title: field(e, 'title'),
    summary: field(e, 'summary'),
    published: field(e, 'published').slice(0, 10),
    updated: field(e, 'updated').slice(0, 10),
    authors: [...e.matchAll(/<author>[\s\S]*?<name>([\s\S]*?)<\/name>/g)].map(([, n]) => decode(n)),
    categories: [...e.matchAll(/<category[^>]*term="([^"]+)"/g)].map(([, c]) => c),
  }));
}

async function searchPapers(query, maxResults, dateFrom, categories) {
  const q = String(query).trim();
  if (q === '') throw 'query is empty';
  const n = Math.min(Math.max(Number(maxResults) || 1, 1), 50);
  const parts = [`(${q})`];
  if (dateFrom) {
    if (!/^\d{8}$/.test(dateFrom)) throw `date-from must be YYYYMMDD, not ${dateFrom}`;
    parts.push(`submittedDate:[${dateFrom}0000 TO 999912312359]`);
  }
  const cats = String(categories).split(',').map((c) => c.trim()).filter(Boolean);
  if (cats.length > 0) parts.push(`(${cats.map((c) => `cat:${c}`).join(' OR ')})`);
  const params = new URLSearchParams({
    search_query: parts.join(' AND '),
    max_results: String(n),
    sortBy: 'submittedDate',
    sortOrder: 'descending',
  });
  const papers = entries(await (await get(`${base()}/api/query?${params}`)).text());
  if (papers.length === 0) return `No papers found for "${q}".`;
  return papers
    .map((p) => `- **${p.title}** (${p.id}, ${p.published})\n  ${p.authors.join(', ')}`)
    .join('\n');
}

async function readPaper(id) {
  const wanted = checkId(id);
  const params = new URLSearchParams({ id_list: wanted, max_results: '1' });
  const [p] = entries(await (await get(`${base()}/api/query?${params}`)).text());
  if (!p || !p.title) throw `no paper ${wanted} on arXiv`;
  return [
    `# ${p.title}`,
    '',
    `- id: ${p.id}`,
    `- authors: ${p.authors.join(', ')}`,
    `- published: ${p.published}${p.updated && p.updated !== p.published ? `, updated ${p.updated}` : ''}`,
    `- categories: ${p.categories.join(', ')}`,
    '',
    p.summary,
  ].join('\n');
}

async function downloadPaper(id) {
  const wanted = checkId(id);
  const response = await get(`${base()}/pdf/${wanted}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_PDF) throw `the PDF is larger than ${MAX_PDF} bytes`;
  return bytes;
}

export { downloadPaper, readPaper, searchPapers };
