// `npm run bench -- policy`: nanoseconds per decision on 100-rule policies,
// mcpkit's compiled policy next to a plain Set.has, Casbin and Cedar, in one run.

import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { type Access, compilePolicy, NameMatcher, readPolicy } from '@mcpkit/wasm-policy';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import { measure, printTable, type Report, type Row, wantsJson } from './harness.js';

const N = 100;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

interface Case {
  id: string;
  what: string;
  /** Inputs cycled through; half or so are allowed. */
  inputs: string[];
  mcpkit: (input: string) => boolean;
  /** The strings a Set baseline holds (100 of them). */
  setMembers: string[];
  casbin: { model: string; policy: string; request: (input: string) => string[] };
  cedar: {
    policies: string;
    request: (input: string) => { resource: string; context: Record<string, string> };
  };
}

const at = { pointer: '', line: 0, column: 0 };

function toolExact(): Case {
  const names = range(N).map((i) => `tool_${i}`);
  const matcher = new NameMatcher('mcp.tools', {
    allow: names.map((name) => ({ name, at })),
    deny: [],
  });
  const inputs = range(64).map((k) => (k % 2 === 0 ? `tool_${(k * 37) % N}` : `other_${k}`));
  return {
    id: 'tool-exact',
    what: '100 exact tool names',
    inputs,
    mcpkit: (n) => matcher.decide(n).allowed,
    setMembers: names,
    casbin: {
      model:
        'r = obj\n[policy_definition]\np = obj, eft\n[policy_effect]\ne = some(where (p.eft == allow)) && !some(where (p.eft == deny))\n[matchers]\nm = r.obj == p.obj',
      policy: names.map((n) => `p, ${n}, allow`).join('\n'),
      request: (n) => [n],
    },
    cedar: {
      policies: names
        .map((n) => `permit(principal, action == Action::"call", resource == Tool::"${n}");`)
        .join('\n'),
      request: (n) => ({ resource: n, context: {} }),
    },
  };
}

function toolGlob(): Case {
  const globs = range(N).map((i) =>
    i % 3 === 0 ? `svc${i}/*` : i % 3 === 1 ? `*_op${i}` : `grp${i}_*_v?`,
  );
  const matcher = new NameMatcher('mcp.tools', {
    allow: globs.map((name) => ({ name, at })),
    deny: [],
  });
  const inputs = range(64).map((k) => {
    const i = (k * 37) % N;
    if (k % 2 === 1) return `unrelated_tool_${k}`;
    return i % 3 === 0 ? `svc${i}/run` : i % 3 === 1 ? `tool_op${i}` : `grp${i}_deploy_v2`;
  });
  return {
    id: 'tool-glob',
    what: '100 tool globs (prefix, suffix and general)',
    inputs,
    mcpkit: (n) => matcher.decide(n).allowed,
    setMembers: globs,
    casbin: {
      model:
        'r = obj\n[policy_definition]\np = obj, eft\n[policy_effect]\ne = some(where (p.eft == allow)) && !some(where (p.eft == deny))\n[matchers]\nm = globMatch(r.obj, p.obj)',
      policy: globs.map((g) => `p, ${g}, allow`).join('\n'),
      request: (n) => [n],
    },
    cedar: {
      policies: globs
        .map(
          (g) =>
            `permit(principal, action == Action::"call", resource) when { context.name like "${g.replace(/\?/g, '*')}" };`,
        )
        .join('\n'),
      request: (n) => ({ resource: 'tool', context: { name: n } }),
    },
  };
}

function host(): Case {
  const rules: string[] = [];
  const casbinRows: string[] = [];
  const cedar: string[] = [];
  for (const i of range(N)) {
    if (i < 40) {
      rules.push(`    - host: "api${i}.example.com"`);
      casbinRows.push(`p, api${i}.example.com, name, allow`);
      cedar.push(
        `permit(principal, action, resource) when { context.kind == "name" && context.host == "api${i}.example.com" };`,
      );
    } else if (i < 80) {
      rules.push(`    - host: "*.svc${i}.example.net"`);
      casbinRows.push(`p, *.svc${i}.example.net, name, allow`);
      cedar.push(
        `permit(principal, action, resource) when { context.kind == "name" && context.host like "*.svc${i}.example.net" };`,
      );
    } else {
      rules.push(`    - cidr: "10.${i}.0.0/16"`);
      casbinRows.push(`p, 10.${i}.0.0/16, ip, allow`);
      cedar.push(
        `permit(principal, action, resource) when { context.kind == "ip" && ip(context.host).isInRange(ip("10.${i}.0.0/16")) };`,
      );
    }
  }
  const policy = compilePolicy(
    readPolicy(`version: "1.0"\nnetwork:\n  allow:\n${rules.join('\n')}\n`).document!,
  );
  const inputs = range(64).map((k) => {
    const i = (k * 37) % N;
    if (k % 4 === 3) return `evil${k}.example.org`;
    return i < 40 ? `api${i}.example.com` : i < 80 ? `a.b.svc${i}.example.net` : `10.${i}.7.9`;
  });
  const kind = (h: string) => (/^[\d.]+$/.test(h) ? 'ip' : 'name');
  return {
    id: 'host',
    what: '40 exact hosts, 40 *.suffix wildcards, 20 CIDR ranges',
    inputs,
    mcpkit: (h) => policy.decideNetwork({ host: h }).allowed,
    setMembers: range(N).map((i) => `api${i}.example.com`),
    casbin: {
      model:
        'r = obj, kind\n[policy_definition]\np = obj, kind, eft\n[policy_effect]\ne = some(where (p.eft == allow)) && !some(where (p.eft == deny))\n[matchers]\nm = (r.kind == "name" && p.kind == "name" && globMatch(r.obj, p.obj)) || (r.kind == "ip" && p.kind == "ip" && ipMatch(r.obj, p.obj))',
      policy: casbinRows.join('\n'),
      request: (h) => [h, kind(h)],
    },
    cedar: {
      policies: cedar.join('\n'),
      request: (h) => ({ resource: 'net', context: { host: h, kind: kind(h) } }),
    },
  };
}

function path(): Case {
  const rules: string[] = [];
  const deny: string[] = [];
  const casbinRows: string[] = [];
  const cedar: string[] = [];
  for (const i of range(N)) {
    if (i < 70) {
      rules.push(`    - uri: "fs:///srv/proj${i}/**"\n      access: [read, write]`);
      casbinRows.push(`p, /srv/proj${i}/**, read, allow`);
      cedar.push(
        `permit(principal, action == Action::"read", resource) when { context.path like "/srv/proj${i}/*" };`,
      );
    } else if (i < 90) {
      rules.push(`    - uri: "fs:///data/set${i}/*.json"\n      access: [read]`);
      casbinRows.push(`p, /data/set${i}/*.json, read, allow`);
      cedar.push(
        `permit(principal, action == Action::"read", resource) when { context.path like "/data/set${i}/*.json" };`,
      );
    } else {
      deny.push(`    - uri: "fs:///srv/proj${i - 90}/secrets/**"`);
      casbinRows.push(`p, /srv/proj${i - 90}/secrets/**, read, deny`);
      cedar.push(
        `forbid(principal, action == Action::"read", resource) when { context.path like "/srv/proj${i - 90}/secrets/*" };`,
      );
    }
  }
  const policy = compilePolicy(
    readPolicy(
      `version: "1.0"\nstorage:\n  allow:\n${rules.join('\n')}\n  deny:\n${deny.join('\n')}\n`,
    ).document!,
  );
  const inputs = range(64).map((k) => {
    const i = (k * 37) % N;
    if (k % 8 === 7) return `/srv/proj${i % 70}/../../etc/passwd`;
    if (k % 8 === 5) return `/srv/proj${k % 10}/secrets/key.pem`;
    if (k % 8 === 3) return '/etc/shadow';
    return i < 70
      ? `/srv/proj${i}/src/lib/main.ts`
      : i < 90
        ? `/data/set${i}/report.json`
        : `/srv/proj${i - 90}/README.md`;
  });
  return {
    id: 'path',
    what: '70 dir/** globs, 20 *.json globs, 10 deny subtrees; hostile inputs included',
    inputs,
    mcpkit: (p) => policy.decideStorage(p, 'read' as Access).allowed,
    setMembers: range(N).map((i) => `/srv/proj${i}/src/lib/main.ts`),
    casbin: {
      model:
        'r = obj, act\n[policy_definition]\np = obj, act, eft\n[policy_effect]\ne = some(where (p.eft == allow)) && !some(where (p.eft == deny))\n[matchers]\nm = globMatch(r.obj, p.obj) && r.act == p.act',
      policy: casbinRows.join('\n'),
      request: (p) => [p, 'read'],
    },
    cedar: {
      policies: cedar.join('\n'),
      request: (p) => ({ resource: 'fs', context: { path: p } }),
    },
  };
}

function env(): Case {
  const keys = range(N).map((i) => `KEY_${i}`);
  const policy = compilePolicy(
    readPolicy(
      `version: "1.0"\nenvironment:\n  allow:\n${keys.map((k) => `    - key: "${k}"`).join('\n')}\n`,
    ).document!,
  );
  const inputs = range(64).map((k) => (k % 2 === 0 ? `KEY_${(k * 37) % N}` : `OTHER_${k}`));
  return {
    id: 'env',
    what: '100 exact environment keys',
    inputs,
    mcpkit: (k) => policy.decideEnv(k).allowed,
    setMembers: keys,
    casbin: {
      model:
        'r = obj\n[policy_definition]\np = obj, eft\n[policy_effect]\ne = some(where (p.eft == allow)) && !some(where (p.eft == deny))\n[matchers]\nm = r.obj == p.obj',
      policy: keys.map((k) => `p, ${k}, allow`).join('\n'),
      request: (k) => [k],
    },
    cedar: {
      policies: keys
        .map((k) => `permit(principal, action == Action::"read", resource == Env::"${k}");`)
        .join('\n'),
      request: (k) => ({ resource: k, context: {} }),
    },
  };
}

function cedarCall(c: Case, id: string) {
  const answer = preparsePolicySet(id, { staticPolicies: c.cedar.policies });
  if (answer.type !== 'success')
    throw new Error(`cedar rejected the ${c.id} policies: ${JSON.stringify(answer)}`);
  const action = c.id === 'path' || c.id === 'env' ? 'read' : 'call';
  const resourceType = c.id === 'tool-exact' ? 'Tool' : c.id === 'env' ? 'Env' : 'Res';
  return (input: string): boolean => {
    const { resource, context } = c.cedar.request(input);
    const a = statefulIsAuthorized({
      principal: { type: 'Agent', id: 'a' },
      action: { type: 'Action', id: action },
      resource: { type: resourceType, id: resource },
      context,
      preparsedPolicySetId: id,
      entities: [],
    });
    if (a.type !== 'success') throw new Error(`cedar failed: ${JSON.stringify(a.errors)}`);
    return a.response.decision === 'allow';
  };
}

export async function runPolicyBench(argv: readonly string[]): Promise<Report> {
  const cases = [toolExact(), toolGlob(), host(), path(), env()];
  const rows: Row[] = [];
  const quick = argv.includes('--quick');
  const opts = quick ? { batches: 7, batchMs: 10, warmupMs: 50 } : {};
  for (const c of cases) {
    const set = new Set(c.setMembers);
    const enforcer = await newEnforcer(
      newModelFromString(`[request_definition]\n${c.casbin.model}`),
      new StringAdapter(c.casbin.policy),
    );
    const casbin = (input: string) => enforcer.enforceSync(...c.casbin.request(input)) as boolean;
    const cedar = cedarCall(c, `bench-${c.id}`);
    const agree = (f: (i: string) => boolean) =>
      c.inputs.filter((i) => f(i) === c.mcpkit(i)).length / c.inputs.length;
    const allowedShare = c.inputs.filter(c.mcpkit).length / c.inputs.length;
    rows.push({
      case: c.id,
      impl: 'mcpkit',
      median_ns: measure(c.mcpkit, c.inputs, opts),
      rules: N,
      allowed_share: allowedShare,
    });
    rows.push({
      case: c.id,
      impl: 'set',
      median_ns: measure((i: string) => set.has(i), c.inputs, opts),
      rules: N,
    });
    rows.push({
      case: c.id,
      impl: 'casbin',
      median_ns: measure(casbin, c.inputs, { ...opts, batchMs: 30 }),
      rules: N,
      agreement: agree(casbin),
    });
    rows.push({
      case: c.id,
      impl: 'cedar',
      median_ns: measure(cedar, c.inputs, { ...opts, batchMs: 30 }),
      rules: N,
      agreement: agree(cedar),
    });
  }
  const ratio = (caseId: string, a: string, b: string) => {
    const x = rows.find((r) => r.case === caseId && r.impl === a)!.median_ns;
    const y = rows.find((r) => r.case === caseId && r.impl === b)!.median_ns;
    return x / y;
  };
  const targets: Record<string, number> = { 'tool-exact': 3, 'tool-glob': 20, host: 30, path: 60 };
  const ratios = cases.map((c) => ({
    case: c.id,
    mcpkit_over_set: ratio(c.id, 'mcpkit', 'set'),
    set_target: targets[c.id] ?? null,
    casbin_over_mcpkit: ratio(c.id, 'casbin', 'mcpkit'),
    cedar_over_mcpkit: ratio(c.id, 'cedar', 'mcpkit'),
  }));
  const report: Report = { bench: 'policy', node: process.version, rows, ratios };
  if (!wantsJson(argv)) {
    printTable('policy decisions, 100-rule policies (median per decision)', report, 'mcpkit', []);
    process.stdout.write(
      '\nratios (targets: exact <= 3x set, glob <= 20x, host <= 30x, path <= 60x; casbin >= 100x mcpkit, cedar >= 1000x)\n',
    );
    for (const r of ratios) {
      process.stdout.write(
        `  ${r.case.padEnd(10)} mcpkit/set ${r.mcpkit_over_set.toFixed(1).padStart(6)}x${r.set_target ? ` (<= ${r.set_target})` : '        '}   casbin/mcpkit ${r.casbin_over_mcpkit.toFixed(0).padStart(6)}x   cedar/mcpkit ${r.cedar_over_mcpkit.toFixed(0).padStart(7)}x\n`,
      );
    }
    const disagreements = rows.filter((r) => typeof r.agreement === 'number' && r.agreement < 1);
    const why: Record<string, string> = {
      path: 'it does not resolve `..` nor keep `**` from revealing dotfiles',
      host: 'it does not normalise host spellings',
      'tool-glob': 'its glob syntax differs',
    };
    for (const r of disagreements) {
      const share = ((1 - (r.agreement as number)) * 100).toFixed(0);
      process.stdout.write(
        `  note: ${r.impl} decides ${share}% of the ${r.case} inputs differently: ${why[r.case] ?? 'its matching semantics differ'}\n`,
      );
    }
  }
  return report;
}
