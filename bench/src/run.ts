// `npm run bench -- <name> [--json] [--quick]`: one command per benchmark.

import { runAuditBench } from './audit.js';
import { runComponentsBench } from './components.js';
import { runE2eBench } from './e2e.js';
import { runExtismBench } from './extism.js';
import { runLoadBench } from './load.js';
import { runPolicyBench } from './policy.js';
import { runSandboxBench } from './sandbox.js';
import { runVerifyBench } from './verify.js';

const benches: Record<string, (argv: readonly string[]) => Promise<unknown>> = {
  audit: runAuditBench,
  components: runComponentsBench,
  e2e: runE2eBench,
  extism: runExtismBench,
  load: runLoadBench,
  policy: runPolicyBench,
  sandbox: runSandboxBench,
  verify: runVerifyBench,
};

const [name, ...rest] = process.argv.slice(2);
const bench = name ? benches[name] : undefined;
if (!bench) {
  process.stderr.write(
    `usage: npm run bench -- <${Object.keys(benches).join('|')}> [--json] [--quick]\n`,
  );
  process.exit(2);
}
const report = await bench(rest);
if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(report)}\n`);
