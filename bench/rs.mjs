import { readFileSync } from 'node:fs';
import createPlugin from '@extism/extism';
import { PluginSandbox, WorkerPool } from '@mcpkit/sandbox';
import { readPolicy } from '@mcpkit/wasm-policy';
const bytes = readFileSync('../packages/sandbox/test/guests/extism-rust.wasm');
console.log(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map(e => e.name));
const doc = readPolicy(`version: "1.0"\nresources:\n  limits:\n    memory: "64Mi"\n`).document;
const pool = new WorkerPool({ size: 1 });
const INPUT = JSON.stringify({ context: {}, request: { name: 'word_count', arguments: { text: 'a b c' } } });
const mk = await PluginSandbox.create({ id: 'rs', bytes, policy: doc, pool });
const fns = { 'extism:host/user': { notify_progress: () => {}, notify_logging_message: () => {}, list_roots: () => 0n } };
const ex = await createPlugin({ wasm: [{ data: bytes }] }, { useWasi: false, functions: fns });
const d = new TextDecoder();
console.log(d.decode((await mk.call('call_tool', INPUT)).output), (await ex.call('call_tool', INPUT)).text());
let n = 0;
for (const [name, f] of [['mcpkit', () => mk.call('call_tool', INPUT)], ['extism', async () => { if (++n % 1000 === 0) await ex.reset(); return ex.call('call_tool', INPUT); }]]) {
  for (let i = 0; i < Number(process.env.W ?? 2000); i++) await f();
  const t = performance.now(); const N = Number(process.env.N ?? 20000);
  for (let i = 0; i < N; i++) await f();
  console.log(name, ((performance.now() - t) / N * 1000).toFixed(2), 'µs/call back-to-back');
}
const r = await mk.call('call_tool', INPUT); console.log('memoryBytes', r.memoryBytes);
await pool.close(); await ex.close();
