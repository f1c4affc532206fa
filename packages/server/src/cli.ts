#!/usr/bin/env node
// The `mcpkit` command: a thin layer over the functions in ./commands that
// turns their results into text (or --json) and exit codes.

import { readFileSync } from 'node:fs';
import { type Diagnostic, formatDiagnostic } from '@mcpkit/wasm-policy';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { AppOptions } from './app.js';
import type { Finding } from './audit/chain-walk.js';
import {
  approvePolicyCommand,
  createTokenCommand,
  emergencyCommand,
  listTokensCommand,
  quarantineCommand,
  revokeTokenCommand,
} from './commands/access.js';
import { createAuditKeyFile, verifyAuditFiles } from './commands/audit.js';
import {
  embedManifestFile,
  inspectComponent,
  listComponents,
  loadComponent,
  unloadComponent,
} from './commands/component.js';
import { pushComponent, verifySource } from './commands/component-source.js';
import { policyHistory, policyRollback } from './commands/history.js';
import {
  type ExplainQuery,
  explainPolicy,
  schemaOfPolicy,
  validatePolicyFile,
} from './commands/policy.js';
import { progressLine } from './commands/progress-line.js';
import { runModule } from './commands/run.js';
import { deleteSecrets, listSecrets, parseAssignments, setSecrets } from './commands/secret.js';
import { serve } from './commands/serve.js';
import { callToolOnce } from './commands/tool-call.js';
import { examplesServeOptions } from './examples.js';
import { readHyperMcpConfig } from './hyper-mcp-config.js';
import { createLogger, silentLogger } from './logging.js';
import { serverRegistry } from './policies.js';
import { parseResolveOverride, resolverWith } from './resolver.js';
import { SECRET_STORE_KINDS, type SecretStoreKind } from './secrets.js';
import { SERVER_VERSION } from './server.js';
import { credentialFromOption, type RegistryCredential } from './sources/registry-credentials.js';
import { SourceError } from './sources/source-error.js';

/**
 * Exit codes: 0 ok, 1 the thing asked for failed (denied, tool error, a policy
 * with errors), 2 bad usage. `run` passes the module's own exit code through,
 * and uses 124 for a run stopped at its deadline (as timeout(1) does) and 125
 * for one the sandbox stopped otherwise (trap, memory, output).
 */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called, found after commander parsed it. */
class UsageError extends Error {}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const err = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
const json = (value: unknown) => out(JSON.stringify(value, null, 2));

function parseJsonArg(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--args is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('--args must be a JSON object, such as \'{"path": "/tmp/x"}\'');
  return value as Record<string, unknown>;
}

function requireOption(value: unknown, name: string, other: string): string {
  if (typeof value !== 'string') throw new UsageError(`${other} needs ${name} too`);
  return value;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function hostPort(value: string | boolean): { host: string; port: number } {
  if (value === true || value === '') return { host: '127.0.0.1', port: 8080 };
  const text = String(value);
  const m = /^(?:\[([^\]]+)\]|([^:]+))?(?::(\d+))?$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected host:port, host, or :port');
  const port = m[3] ? Number(m[3]) : /^\d+$/.test(text) ? Number(text) : 8080;
  if (/^\d+$/.test(text)) return { host: '127.0.0.1', port };
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

function appOptions(o: Record<string, unknown>, quiet = false): AppOptions {
  const overrides = (o.resolve as Array<[string, string[]]> | undefined) ?? [];
  return {
    ...(overrides.length > 0 ? { egress: { resolver: resolverWith(new Map(overrides)) } } : {}),
    logger: quiet ? silentLogger() : createLogger((o.logLevel as string) ?? undefined),
    ...(o.dataDir ? { dataDir: o.dataDir as string } : {}),
    ...(o.policy ? { policyFile: o.policy as string } : {}),
    allowDirs: (o.allowDir as string[]) ?? [],
    allowHosts: (o.allowHost as string[]) ?? [],
    builtinTools: o.builtinTools !== false,
    readOnly: o.readOnly === true,
    ...(o.secretStore ? { secretStore: o.secretStore as SecretStoreKind } : {}),
    ...(o.registryAuth
      ? { sources: { credentials: registryCredentials(o.registryAuth as string[]) } }
      : {}),
  };
}

/** `--registry-auth host[:port]=user:password`, repeatable. */
function registryCredentials(values: readonly string[]): Map<string, RegistryCredential> {
  const map = new Map<string, RegistryCredential>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const credential = eq > 0 ? credentialFromOption(v.slice(eq + 1)) : undefined;
    // The value holds a password: the error names only the registry part.
    if (!credential)
      throw new UsageError(
        `--registry-auth for \`${eq > 0 ? v.slice(0, eq) : '?'}\` must be \`REGISTRY=USER:PASSWORD\``,
      );
    map.set(v.slice(0, eq).toLowerCase(), credential);
  }
  return map;
}

const registryAuthOption = () =>
  new Option(
    '--registry-auth <registry=user:password>',
    "credentials for an OCI registry (repeatable; Docker's config.json, $DOCKER_CONFIG, is read too and keeps them off the command line)",
  ).argParser(collect);

function printDiagnostics(diagnostics: readonly Diagnostic[], file?: string): void {
  for (const d of diagnostics) err(formatDiagnostic(d, file));
}

// A reader that stops reading (`mcpkit component inspect x | head`) is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

const program = new Command('mcpkit')
  .description(
    'Serve sandboxed WebAssembly tools over the Model Context Protocol, every capability checked by a policy.',
  )
  .version(SERVER_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  // Commander's own refusals (unknown option, missing argument) end in the
  // catch below, so that they exit with the usage code rather than 1.
  .exitOverride();

const secretStoreOption = () =>
  new Option(
    '--secret-store <store>',
    "where components' secrets are kept: `file` (in the data directory) or `keyring` (the OS keyring, through secret-tool); default $MCPKIT_SECRET_STORE or file",
  ).choices(SECRET_STORE_KINDS);

const dataDirOption = () =>
  new Option(
    '--data-dir <dir>',
    'where components, policies and grants are kept (default: the XDG data directory, or $MCPKIT_DATA_DIR)',
  );

program
  .command('serve')
  .description('serve MCP over stdio (default) or Streamable HTTP')
  .addOption(dataDirOption())
  .option(
    '--http [host:port]',
    'serve Streamable HTTP at /mcp instead of stdio (default 127.0.0.1:8080)',
  )
  .option(
    '--policy <file>',
    'server policy: ceiling for runtime grants, global denies and limits, which tools clients may call',
  )
  .option('--allow-dir <dir>', 'a directory runtime grants may reach (repeatable)', collect)
  .option('--allow-host <host>', 'a host runtime grants may reach (repeatable)', collect)
  .option(
    '--component <source>',
    'load this component at start: a .wasm path, https://… or oci://REGISTRY/REPO:TAG (repeatable)',
    collect,
  )
  .addOption(registryAuthOption())
  .option(
    '--resolve <name=address>',
    "resolve this host name to this address for guests' HTTP requests (repeatable; the policy still decides)",
    (v: string, prev: Array<[string, string[]]> = []) => [...prev, parseResolveOverride(v)],
  )
  .option(
    '--hyper-mcp-config <file>',
    'serve the plugins of a hyper-mcp configuration (JSON or YAML), each under its runtime_config as policy',
  )
  .option('--examples', 'serve the bundled example tools (fs-tool reads examples/data)')
  .option(
    '--allowed-host <host>',
    'Host header accepted over HTTP (repeatable; default: loopback names)',
    collect,
  )
  .option(
    '--allowed-origin <origin>',
    'Origin accepted over HTTP (repeatable; default: loopback origins)',
    collect,
  )
  .option(
    '--insecure-no-auth',
    'serve HTTP beyond loopback without authentication (only behind something that authenticates)',
  )
  .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
  .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
  .addOption(
    new Option('--tls-min-version <version>', 'the oldest TLS version accepted').choices([
      'TLSv1.2',
      'TLSv1.3',
    ]),
  )
  .option('--no-builtin-tools', 'hide the management tools (load-component, grants, ...)')
  .option('--read-only', 'refuse loading, unloading and grants at run time')
  .addOption(secretStoreOption())
  .option('--log-level <level>', 'pino log level on stderr (default: $MCPKIT_LOG_LEVEL or info)')
  .action(async (o) => {
    const base = appOptions(o);
    const examples = o.examples ? examplesServeOptions() : undefined;
    const serving = await serve({
      ...base,
      allowDirs: [...(base.allowDirs ?? []), ...(examples?.allowDirs ?? [])],
      ...(examples?.policyFile && !o.policy ? { policyFile: examples.policyFile } : {}),
      components: [...(examples?.components ?? []), ...((o.component as string[]) ?? [])],
      ...(o.hyperMcpConfig
        ? { hyperMcpPlugins: await readHyperMcpConfig(o.hyperMcpConfig, serverRegistry()) }
        : {}),
      ...(o.http !== undefined ? { http: hostPort(o.http) } : {}),
      allowedHosts: (o.allowedHost as string[]) ?? [],
      allowedOrigins: (o.allowedOrigin as string[]) ?? [],
      ...(examples?.dataDir && !o.dataDir ? { dataDir: examples.dataDir } : {}),
      ...(examples ? { startGrants: examples.grants } : {}),
      onStdioClosed: () => process.exit(EXIT.failed),
      insecureNoAuth: o.insecureNoAuth === true,
      ...(o.tlsCert || o.tlsKey
        ? {
            tls: {
              certFile: requireOption(o.tlsCert, '--tls-cert', '--tls-key'),
              keyFile: requireOption(o.tlsKey, '--tls-key', '--tls-cert'),
              ...(o.tlsMinVersion ? { minVersion: o.tlsMinVersion } : {}),
            },
          }
        : {}),
    });
    if (serving.url) err(`mcpkit: serving MCP at ${serving.url}`);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      base.logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(EXIT.failed), 5000);
      force.unref();
      await serving.close();
      process.exit(EXIT.ok);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    if (!o.http) process.stdin.on('end', () => void stop('stdin closed'));
  });

const policy = program.command('policy').description('check and explain policy files');

policy
  .command('validate')
  .argument('<file>', 'a policy file (YAML or JSON)')
  .option('--json', 'print the diagnostics as JSON')
  .description('report every problem in a policy file (and the files it extends), compiler style')
  .action(async (file: string, o) => {
    const r = await validatePolicyFile(file);
    if (o.json) json({ ok: r.ok, files: r.files, diagnostics: r.diagnostics });
    else {
      printDiagnostics(r.diagnostics, file);
      if (r.ok)
        out(
          `${file}: ok${r.diagnostics.length ? ` (${r.diagnostics.length} warning${r.diagnostics.length > 1 ? 's' : ''})` : ''}`,
        );
    }
    process.exitCode = r.ok ? EXIT.ok : EXIT.failed;
  });

policy
  .command('explain')
  .argument('<file>', 'a policy file')
  .option('--storage <access path...>', 'decide `read` or `write` access to a path')
  .option('--network <url>', 'decide a request to a URL (or a bare host)')
  .option('--method <method>', 'HTTP method for --network', 'GET')
  .option('--env <key>', 'decide reading an environment variable')
  .option('--tool <name>', 'decide calling a tool (mcp.tools)')
  .option('--args <json>', 'arguments for --tool, as JSON')
  .option(
    '--source <source>',
    'decide loading a component from a path, file://, https:// or oci:// URI (trust)',
  )
  .option(
    '--identity <identity>',
    'for --source: a keyless signer identity (email or URI) to check',
  )
  .option('--issuer <issuer>', 'for --source: the OIDC issuer of --identity')
  .option('--key <id>', 'for --source: a signing key id of the trust section to check')
  .option('--operator', 'for --source: loaded by the operator (serve --component), not a client')
  .option('--allow-dir <dir...>', 'for --source: directories the server is started with')
  .option('--json', 'print the decision as JSON')
  .description('print the decision the policy makes for one request, and the rule that made it')
  .action(async (file: string, o) => {
    let query: ExplainQuery;
    if (o.storage) {
      const [access, path] = o.storage as string[];
      if ((access !== 'read' && access !== 'write') || !path)
        throw new UsageError('--storage takes `read|write <path>`');
      query = { kind: 'storage', access, path };
    } else if (o.network) query = { kind: 'network', url: o.network, method: o.method };
    else if (o.env) query = { kind: 'env', key: o.env };
    else if (o.tool)
      query = { kind: 'tool', name: o.tool, ...(o.args ? { args: parseJsonArg(o.args) } : {}) };
    else if (o.source)
      query = {
        kind: 'trust',
        source: o.source,
        ...(o.identity ? { identity: o.identity } : {}),
        ...(o.issuer ? { issuer: o.issuer } : {}),
        ...(o.key ? { key: o.key } : {}),
        ...(o.operator ? { operator: true } : {}),
        ...(o.allowDir ? { allowDirs: o.allowDir } : {}),
      };
    else {
      err(
        'say what to explain: --storage read|write <path>, --network <url>, --env <key>, --tool <name> or --source <source>',
      );
      process.exitCode = EXIT.usage;
      return;
    }
    const r = await explainPolicy(file, query);
    if (o.json) json(r);
    else {
      const d = r.decision;
      out(`${d.allowed ? 'allowed' : 'denied'}: ${d.reason}`);
      if (d.rule)
        out(`  rule: ${d.rule.file ?? file}:${d.rule.line}:${d.rule.column} ${d.rule.pointer}`);
      for (const req of r.requires ?? []) out(`  requires: ${req}`);
    }
    process.exitCode = r.decision.allowed ? EXIT.ok : EXIT.failed;
  });

policy
  .command('schema')
  .description('print the JSON Schema of policy files (with the mcp section), for editors')
  .action(() => {
    json(schemaOfPolicy());
  });

policy
  .command('approve')
  .argument('<file>', 'a server policy file')
  .addOption(dataDirOption())
  .description(
    'approve a server policy as it is now (with what it extends and its role policies); a server refuses to start on a policy changed since its approval',
  )
  .action(async (file: string, o) => {
    const files = await approvePolicyCommand(file, o.dataDir ? { dataDir: o.dataDir } : {});
    for (const f of files) out(`approved ${f}`);
  });

const tokenFileOptions = (c: Command) =>
  c
    .option('--file <tokens.json>', 'the token file')
    .option('--policy <file>', 'the server policy whose `access.authentication.tokens` names it');

const token = program
  .command('token')
  .description('static bearer tokens for HTTP clients (only their hashes are kept)');

tokenFileOptions(
  token
    .command('create')
    .requiredOption('--role <role>', 'the role its clients act as')
    .option('--name <name>', 'who or what it is for, for people and the audit log')
    .option('--expires <duration>', 'refused after this long, e.g. `30d`'),
)
  .option('--json', 'print as JSON')
  .description('make a token and print it, once; the file keeps only its hash')
  .action(async (o) => {
    const r = await createTokenCommand(
      { ...(o.file ? { file: o.file } : {}), ...(o.policy ? { policy: o.policy } : {}) },
      {
        role: o.role,
        ...(o.name ? { name: o.name } : {}),
        ...(o.expires ? { expires: o.expires } : {}),
      },
    );
    if (o.json) json({ token: r.token, id: r.record.id, role: r.record.role, file: r.file });
    else {
      out(r.token);
      err(
        `mcpkit: token ${r.record.id} (role ${r.record.role}) added to ${r.file}; it is shown only now. Send it as \`Authorization: Bearer <token>\`.`,
      );
    }
  });

tokenFileOptions(token.command('list'))
  .option('--json', 'print as JSON')
  .description('list the tokens of the file (ids, roles, names; never the tokens)')
  .action(async (o) => {
    const r = await listTokensCommand({
      ...(o.file ? { file: o.file } : {}),
      ...(o.policy ? { policy: o.policy } : {}),
    });
    if (o.json) json(r);
    else if (r.tokens.length === 0) out(`no tokens in ${r.file}`);
    else
      for (const t of r.tokens)
        out(
          `${t.id}  ${t.role}  ${t.name ?? ''}  created ${t.created}${t.expires ? `  expires ${t.expires}` : ''}`,
        );
  });

tokenFileOptions(token.command('revoke').argument('<id>', 'the token id (`token list`)'))
  .description('remove a token; a running server refuses it within a second')
  .action(async (id: string, o) => {
    await revokeTokenCommand(
      { ...(o.file ? { file: o.file } : {}), ...(o.policy ? { policy: o.policy } : {}) },
      id,
    );
    out(`revoked ${id}`);
  });

const emergency = program
  .command('emergency')
  .description(
    'stop every tool call of the servers on a data directory at once, and lift the stop',
  );

for (const [what, description] of [
  ['stop', 'end every running tool call and refuse new ones until lifted'],
  ['lift', 'accept tool calls again'],
  ['status', 'say whether a stop is in force'],
] as const) {
  const c = emergency.command(what).addOption(dataDirOption()).description(description);
  if (what === 'stop') c.option('--reason <text>', 'why, for the record');
  c.action(async (o) => {
    const r = await emergencyCommand(what, {
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    });
    if (what === 'stop') out(`emergency stop engaged at ${r!.at}`);
    else if (what === 'lift') out('emergency stop lifted');
    else if (r) {
      out(`stopped since ${r.at} by ${r.by}${r.reason ? `: ${r.reason}` : ''}`);
      process.exitCode = EXIT.failed;
    } else out('no emergency stop is in force');
  });
}

function versionArg(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a version number');
  return Number(value);
}

const finding = (f: Finding) => `${f.file}${f.line ? `:${f.line}` : ''}: ${f.kind}: ${f.message}`;
const short = (digest?: string) => (digest ? digest.slice(7, 19) : 'none');

policy
  .command('history')
  .argument('[component]', 'one component (default: all)')
  .argument('[version]', 'show this version with its texts before and after', versionArg)
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description(
    'list the changes to grants and policies, who made them and when; the history is verified',
  )
  .action(async (componentId: string | undefined, version: number | undefined, o) => {
    const r = await policyHistory({
      ...(o.dataDir ? { dataDir: o.dataDir as string } : {}),
      ...(componentId !== undefined ? { component: componentId } : {}),
      ...(version !== undefined ? { version } : {}),
    });
    if (o.json) json(r);
    else {
      if (r.entries.length === 0) out('no history');
      for (const e of r.entries)
        out(
          `${e.component}  v${e.version}  ${e.time}  ${e.kind}  ${e.action}  by ${e.by.id} (${e.by.role}, ${e.by.via})  ${short(e.before)} -> ${short(e.after)}${e.reason ? `  ${e.reason}` : ''}`,
        );
      if (r.texts) {
        out(`--- before\n${r.texts.before ?? '(none)'}`);
        out(`--- after\n${r.texts.after ?? '(none)'}`);
      }
      for (const n of r.report.notes) err(finding(n));
      for (const p of r.report.problems) err(finding(p));
    }
    process.exitCode = r.report.ok ? EXIT.ok : EXIT.failed;
  });

policy
  .command('rollback')
  .argument('<component>', 'component id')
  .argument('<version>', 'the version of its history to go back to', versionArg)
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description(
    "restore a component's runtime grants as they were at a version of its history (recorded as a new version)",
  )
  .action(async (componentId: string, version: number, o) => {
    const r = await policyRollback({
      ...(o.dataDir ? { dataDir: o.dataDir as string } : {}),
      component: componentId,
      version,
    });
    if (o.json) json(r);
    else if (!r.changed)
      out(`${componentId}'s grants already are those of version ${version}; nothing changed`);
    else
      out(
        `restored ${componentId}'s grants to version ${version} (recorded as version ${r.version}); a running server applies them at its next start`,
      );
  });

const component = program.command('component').description('manage stored components');

component
  .command('quarantine')
  .argument('<id>', 'component id')
  .option('--reason <text>', 'why, for the record')
  .addOption(dataDirOption())
  .description(
    'make a stored component uncallable, keeping it for inspection (a running server takes it up at once)',
  )
  .action(async (id: string, o) => {
    await quarantineCommand(id, {
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    });
    out(`quarantined ${id}`);
  });

component
  .command('release')
  .argument('<id>', 'component id')
  .addOption(dataDirOption())
  .description('take a component out of quarantine')
  .action(async (id: string, o) => {
    await quarantineCommand(id, { ...(o.dataDir ? { dataDir: o.dataDir } : {}), release: true });
    out(`released ${id}`);
  });

component
  .command('list')
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description('list stored components and their tools')
  .action(async (o) => {
    const r = await listComponents(appOptions(o, true));
    if (o.json) json(r);
    else {
      if (r.components.length === 0) out('no components loaded');
      for (const c of r.components) out(`${c.id}  ${c.kind}  ${c.tools.join(', ')}  (${c.source})`);
      for (const p of r.problems) err(`skipped ${p.id}: ${p.message}`);
    }
  });

component
  .command('load')
  .argument('<source>', 'a .wasm file, https://… URL or oci://REGISTRY/REPO:TAG')
  .addOption(registryAuthOption())
  .option('--policy-file <file>', 'server policy whose `trust` section applies (fetch settings)')
  .option(
    '--policy <file>',
    'its policy file (default: <name>.policy.yaml or policy.yaml beside it)',
  )
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description('load a component into the store')
  .action(async (path: string, o) => {
    const c = await loadComponent(
      { ...appOptions({ ...o, policy: o.policyFile }, true) },
      path,
      o.policy,
      progressLine(),
    );
    if (o.json) json(c);
    else out(`loaded ${c.id}: ${c.tools.join(', ')}`);
  });

component
  .command('push')
  .argument('<wasm>', 'the .wasm to publish')
  .argument('<target>', 'oci://REGISTRY/REPOSITORY:TAG')
  .option('--policy <file>', 'its policy (default: <name>.policy.yaml or policy.yaml beside it)')
  .option('--manifest <file>', 'its tool manifest (default: <name>.tools.json beside it)')
  .option('--policy-file <file>', 'server policy whose `trust.fetch` settings apply')
  .addOption(registryAuthOption())
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description(
    'publish a component to an OCI registry: wasm, policy and tool manifest as layers (media types Wassette reads); sign it with cosign afterwards',
  )
  .action(async (wasm: string, target: string, o) => {
    const r = await pushComponent(appOptions({ ...o, policy: o.policyFile }, true), wasm, target, {
      ...(o.policy ? { policyPath: o.policy } : {}),
      ...(o.manifest ? { manifestPath: o.manifest } : {}),
    });
    if (o.json) json(r);
    else
      out(
        `pushed ${r.reference}\n  layers: ${r.layers.join(', ')}\n  sign it: cosign sign --key cosign.key ${r.reference.slice('oci://'.length)}`,
      );
  });

component
  .command('verify')
  .argument('<source>', 'a .wasm path, https://… URL or oci://REGISTRY/REPO:TAG')
  .option('--policy <file>', 'server policy whose `trust` section decides')
  .option('--allow-dir <dir>', 'a directory local components may come from (repeatable)', collect)
  .option(
    '--operator',
    "decide as for the operator's own load (serve --component) instead of a client's",
  )
  .addOption(registryAuthOption())
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description('fetch a source and show the trust decision for it, without loading it')
  .action(async (source: string, o) => {
    const r = await verifySource(appOptions(o, true), source, o.operator === true, progressLine());
    if (o.json) json(r);
    else {
      const d = r.decision;
      out(`${d.allowed ? 'trusted' : 'refused'}: ${r.source}`);
      out(`  wasm digest: ${r.digest}`);
      if (r.manifestDigest) out(`  manifest digest: ${r.manifestDigest}`);
      out(`  signatures found: ${r.signatures}`);
      if (d.rule) out(`  rule: ${d.rule}`);
      out(`  reason: ${d.reason}`);
      if (d.allowed && d.signer)
        out(
          `  signer: ${d.signer.kind} ${d.signer.id}${d.signer.issuer ? ` (${d.signer.issuer})` : ''}`,
        );
      if (!d.allowed) out(`  help: ${d.help}`);
    }
    if (!r.decision.allowed) process.exitCode = EXIT.failed;
  });

component
  .command('unload')
  .argument('<id>', 'component id')
  .addOption(dataDirOption())
  .description('remove a component from the store')
  .action(async (id: string, o) => {
    await unloadComponent(appOptions(o, true), id);
    out(`unloaded ${id}`);
  });

component
  .command('inspect')
  .argument('<target>', 'a stored component id or a .wasm path')
  .addOption(dataDirOption())
  .option('--json', 'print as JSON')
  .description('show imports, tools, memory and policy of a component')
  .action(async (target: string, o) => {
    const r = await inspectComponent(appOptions(o, true), target);
    if (o.json) json(r);
    else {
      for (const [k, v] of Object.entries(r)) {
        if (v === undefined) continue;
        if (k === 'policy' && typeof v === 'string') out(`policy:\n${v.replace(/^/gm, '  ')}`);
        else if (Array.isArray(v))
          out(
            `${k}:\n${v.map((x) => `  - ${typeof x === 'string' ? x : ((x as { name?: string }).name ?? JSON.stringify(x))}`).join('\n') || '  (none)'}`,
          );
        else out(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      }
    }
  });

component
  .command('embed-manifest')
  .argument('<wasm>', 'a WASI command module')
  .argument('<manifest>', 'tool manifest JSON ({"tools": [...]})')
  .option('-o, --out <file>', 'write here instead of in place')
  .description('write a tool manifest into the module (custom section `mcp:tools`)')
  .action(async (wasm: string, manifest: string, o) => {
    const r = await embedManifestFile(wasm, manifest, o.out);
    out(
      `embedded ${r.tools.length} tool${r.tools.length === 1 ? '' : 's'} (${r.tools.join(', ')}) into ${r.out}`,
    );
  });

const secret = program
  .command('secret')
  .description("a component's secrets, handed to it as environment variables its policy allows");

secret
  .command('list')
  .argument('<component-id>', 'component id')
  .option('--show-values', 'print the values too')
  .option('--json', 'print as JSON')
  .addOption(dataDirOption())
  .addOption(secretStoreOption())
  .description("list a component's secrets (keys only, unless --show-values)")
  .action(async (id: string, o) => {
    const r = await listSecrets(o, id, o.showValues === true);
    if (o.json) json(r);
    else {
      if (r.keys.length === 0) out(`${id} has no secrets in ${r.store}`);
      for (const k of r.keys) out(r.values ? `${k}=${r.values[k]}` : k);
    }
  });

secret
  .command('set')
  .argument('<component-id>', 'component id')
  .argument('<assignments...>', 'KEY=VALUE, or a single KEY with the value on stdin')
  .addOption(dataDirOption())
  .addOption(secretStoreOption())
  .description('add or replace secrets of a component (a running server applies them at once)')
  .action(async (id: string, items: string[], o) => {
    const assignments = parseAssignments(items, () => {
      if (process.stdin.isTTY) return undefined;
      // One trailing newline is the pipe's (`echo`), not the secret's.
      return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    });
    const r = await setSecrets(o, id, assignments);
    out(`set ${r.keys.join(', ')} for ${id} in ${r.store}`);
  });

secret
  .command('delete')
  .argument('<component-id>', 'component id')
  .argument('<keys...>', 'keys to delete')
  .addOption(dataDirOption())
  .addOption(secretStoreOption())
  .description('delete secrets of a component')
  .action(async (id: string, keys: string[], o) => {
    const r = await deleteSecrets(o, id, keys);
    if (r.deleted.length > 0) out(`deleted ${r.deleted.join(', ')} from ${id}`);
    if (r.missing.length > 0) {
      err(`mcpkit: ${id} has no secret ${r.missing.join(', ')}`);
      process.exitCode = EXIT.failed;
    }
  });

const audit = program.command('audit').description('check audit logs and make their keys');

audit
  .command('verify')
  .argument('<file...>', 'the log files in order, or the live file (its rotated files are found)')
  .option('--key-file <file>', 'check HMACs with this key (see `audit key create`)')
  .option('--json', 'print the report as JSON')
  .description(
    'find changed, removed, reordered and cut records; exit 1 when there is any (a crash is a note)',
  )
  .action(async (files: string[], o) => {
    const r = await verifyAuditFiles(files, o.keyFile ? { keyFile: o.keyFile as string } : {});
    if (o.json) json(r);
    else {
      for (const f of [...r.problems, ...r.notes].sort(
        (a, b) => r.files.indexOf(a.file) - r.files.indexOf(b.file) || a.line - b.line,
      ))
        out(finding(f));
      const files = `${r.files.length} file${r.files.length === 1 ? '' : 's'}`;
      out(
        r.ok
          ? `ok: ${r.records} records in ${files}${r.notes.length ? ` (${r.notes.length} note${r.notes.length === 1 ? '' : 's'})` : ''}`
          : `failed: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${r.records} records in ${files}`,
      );
    }
    process.exitCode = r.ok ? EXIT.ok : EXIT.failed;
  });

audit
  .command('key')
  .description('HMAC keys for audit logs')
  .command('create')
  .argument('<file>', 'where to write the new key (mode 0600; an existing file is not replaced)')
  .description('write a new random HMAC key')
  .action(async (file: string) => {
    await createAuditKeyFile(file);
    out(`wrote a new audit key to ${file}`);
  });

program
  .command('tool')
  .description('work with tools')
  .command('call')
  .argument('<tool>', 'tool name')
  .option('--args <json>', 'arguments as a JSON object', '{}')
  .option(
    '--component <path>',
    'call a tool of this .wasm, loaded for this call only (repeatable; the store is not used)',
    collect,
  )
  .option(
    '--allow-dir <dir>',
    'with --component: they may read and write this directory; without: the ceiling for stored grants (repeatable)',
    collect,
  )
  .option('--allow-host <host>', 'without --component: a host stored grants may reach', collect)
  .option('--policy <file>', 'without --component: the server policy stored components run under')
  .addOption(dataDirOption())
  .option('--json', 'print the whole CallToolResult as JSON')
  .description(
    'call one tool without a server: of the --component files, or of the stored components',
  )
  .action(async (name: string, o) => {
    const args = parseJsonArg(o.args);
    const r = await callToolOnce(
      {
        ...appOptions(o, true),
        components: (o.component as string[]) ?? [],
        onLog: (level, m) => err(`[${level}] ${m}`),
      },
      name,
      args,
    );
    if (o.json) json(r);
    else {
      for (const c of r.content) out(c.type === 'text' ? c.text : JSON.stringify(c));
    }
    process.exitCode = r.isError ? EXIT.failed : EXIT.ok;
  });

program
  .command('run')
  .argument('<module>', 'a WASI command module (.wasm)')
  .argument('[args...]', 'arguments for the module (after --)')
  .option('--policy <file>', 'the policy to run it under (default: nothing granted)')
  .option('--allow-dir <dir>', 'grant read and write to a directory (repeatable)', collect)
  .option('--allow-host <host>', 'grant a host (repeatable)', collect)
  .option('--allow-env <key>', 'pass an environment variable through (repeatable)', collect)
  .option(
    '--argv0 <name>',
    "the program's argv[0] (default: the module's path); a tool module reads its tool name there",
  )
  .description(
    'run a WASI command module under a policy; stdin, stdout and the exit code pass through',
  )
  .action(async (wasm: string, args: string[], o) => {
    const stdin = process.stdin.isTTY ? new Uint8Array() : new Uint8Array(readFileSync(0));
    const r = await runModule(wasm, {
      ...(o.policy ? { policyFile: o.policy } : {}),
      allowDirs: o.allowDir ?? [],
      allowHosts: o.allowHost ?? [],
      allowEnv: o.allowEnv ?? [],
      args,
      ...(o.argv0 !== undefined ? { argv0: o.argv0 } : {}),
      stdin,
      env: Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
      onStdout: (chunk) => process.stdout.write(chunk),
      onStderr: (chunk) => process.stderr.write(chunk),
    });
    printDiagnostics(
      r.diagnostics.filter((d) => d.severity === 'error'),
      o.policy,
    );
    if (r.denied) err(`mcpkit: the policy refused:\n${r.denied}`);
    if (r.error) err(`mcpkit: ${r.error}`);
    process.exitCode = r.exitCode;
  });

program.parseAsync(process.argv).catch((error: Error & { diagnostics?: Diagnostic[] }) => {
  if (error instanceof CommanderError) {
    // Already printed by commander; --help and --version end here too, with 0.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return;
  }
  if (error.diagnostics) printDiagnostics(error.diagnostics);
  err(`mcpkit: ${error instanceof SourceError ? error.full : error.message}`);
  process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.failed;
});
