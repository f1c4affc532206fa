// Roles, compiled: what the clients of a role may see and call, which
// management tools they may use, which sources they may load, and the most
// their grants may add (inside the server's ceiling). The built-in
// `operator` may do everything; every other role is a policy file, deny by
// default: a role with no `mcp.tools` section calls no component tool.

import {
  compilePolicy,
  type Decision,
  type ExtensionRegistry,
  hasErrors,
  loadPolicyFile,
  NameMatcher,
  type PolicyDocument,
  quote,
} from '@mcpkit/wasm-policy';
import type { CompiledMcp, McpDecision } from '../mcp-extension/index.js';
import type { ToolRules } from '../mcp-extension/tool-rules.js';
import { PolicyError } from '../policies.js';
import { type AccessSection, type ClientLimits, OPERATOR, type RoleSection } from './model.js';

const ALLOWED: Decision = Object.freeze({
  allowed: true,
  code: 'allowed',
  rule: null,
  reason: `allowed: the \`${OPERATOR}\` role may do everything`,
});

export class Role {
  readonly name: string;
  /** The role policy file; undefined for `operator`. */
  readonly file: string | undefined;
  /** The role policy: its storage, network and environment allow rules bound grants. */
  readonly policy: PolicyDocument | undefined;
  readonly limits: ClientLimits | undefined;
  readonly #tools: ToolRules | undefined;
  readonly #manage: NameMatcher | undefined;
  readonly #sources: NameMatcher | undefined;
  readonly #everything: boolean;

  constructor(
    name: string,
    compiled?: {
      file: string;
      policy: PolicyDocument;
      mcp: CompiledMcp | undefined;
      role: RoleSection | undefined;
    },
    defaultLimits?: ClientLimits,
  ) {
    this.name = name;
    this.file = compiled?.file;
    this.policy = compiled?.policy;
    this.#everything = compiled === undefined;
    this.#tools = compiled?.mcp?.tools;
    const at = compiled?.role?.at ?? { pointer: '/role', line: 0, column: 0 };
    const rules = (names: readonly string[]) => names.map((n) => ({ name: n, at }));
    if (compiled) {
      this.#manage = new NameMatcher('role.manage', {
        allow: rules(compiled.role?.manage ?? []),
        deny: [],
      });
      this.#sources = new NameMatcher('role.sources', {
        allow: rules(compiled.role?.sources ?? []),
        deny: [],
      });
    }
    this.limits = compiled?.role?.limits ?? defaultLimits;
    Object.freeze(this);
  }

  get everything(): boolean {
    return this.#everything;
  }

  /** May its clients see this component tool (the name alone)? */
  seesTool(name: string): Decision {
    if (this.#everything) return ALLOWED;
    if (!this.#tools) return this.#noTools();
    return this.#tools.peek(name);
  }

  /** May this client call this component tool with these arguments (rate limits per client)? */
  callsTool(name: string, args: Record<string, unknown>, client: string): McpDecision {
    if (this.#everything) return ALLOWED;
    if (!this.#tools) return this.#noTools();
    return this.#tools.decide(name, args, undefined, client);
  }

  #noTools(): Decision {
    return Object.freeze({
      allowed: false,
      code: 'not-granted',
      rule: null,
      reason: `role ${quote(this.name)} has no \`mcp.tools\` rules, so it calls no component tool`,
    });
  }

  /** May its clients use this management tool? */
  manages(tool: string): Decision {
    return this.#everything ? ALLOWED : this.#manage!.decide(tool);
  }

  /** May its clients load from this source (`file:///…`, `https://…`, `oci://…`)? */
  loads(source: string): Decision {
    return this.#everything ? ALLOWED : this.#sources!.decide(source);
  }
}

/** Load and compile every role of the `access` section; a role file with errors throws PolicyError. */
export async function loadRoles(
  access: AccessSection | undefined,
  registry: ExtensionRegistry,
): Promise<{ roles: Map<string, Role>; files: string[] }> {
  const roles = new Map<string, Role>([[OPERATOR, new Role(OPERATOR, undefined, access?.limits)]]);
  const files: string[] = [];
  for (const [name, file] of Object.entries(access?.roles ?? {})) {
    const r = await loadPolicyFile(file, { registry });
    files.push(...r.files);
    if (!r.document || hasErrors(r.diagnostics))
      throw new PolicyError(`the policy of role ${quote(name)} (${file})`, r.diagnostics);
    const compiled = compilePolicy(r.document, { registry });
    roles.set(
      name,
      new Role(
        name,
        {
          file,
          policy: r.document,
          mcp: r.document.extensions.mcp ? compiled.extension<CompiledMcp>('mcp') : undefined,
          role: r.document.extensions.role as RoleSection | undefined,
        },
        access?.limits,
      ),
    );
  }
  return { roles, files };
}
