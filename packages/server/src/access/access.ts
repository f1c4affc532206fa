// Access control as the server applies it: the principals of stdio and of
// unauthenticated HTTP, the authenticator, the compiled roles, per-client
// limits. Built once from the server policy's `access` section.

import type { ExtensionRegistry, PolicyDocument } from '@mcpkit/wasm-policy';
import { Authenticator } from './authenticator.js';
import { ClientLimiter } from './client-limits.js';
import { type AccessSection, OPERATOR } from './model.js';
import { OAuthVerifier } from './oauth.js';
import type { Principal } from './principal.js';
import { loadRoles, Role } from './roles.js';
import { TokenVerifier } from './tokens.js';

export const STDIO_ID = 'stdio';
export const ANONYMOUS_ID = 'anonymous';

export class Access {
  readonly section: AccessSection | undefined;
  /** Present when HTTP clients must authenticate. */
  readonly authenticator: Authenticator | undefined;
  readonly roles: ReadonlyMap<string, Role>;
  /** Every file the roles were read from (for integrity checks). */
  readonly roleFiles: readonly string[];
  readonly limiter = new ClientLimiter();
  /** The local operator on stdio. */
  readonly stdio: Principal;
  /** An HTTP client when no authentication is configured: the operator, unauthenticated. */
  readonly anonymous: Principal;

  private constructor(
    section: AccessSection | undefined,
    roles: ReadonlyMap<string, Role>,
    roleFiles: readonly string[],
  ) {
    this.section = section;
    this.roles = roles;
    this.roleFiles = roleFiles;
    const names = new Set(roles.keys());
    const tokens = section?.tokens ? new TokenVerifier(section.tokens, names) : undefined;
    const oauth = section?.oauth ? new OAuthVerifier(section.oauth, names) : undefined;
    this.authenticator =
      tokens || oauth
        ? new Authenticator({ ...(tokens ? { tokens } : {}), ...(oauth ? { oauth } : {}) })
        : undefined;
    this.stdio = { id: STDIO_ID, role: section?.stdioRole ?? OPERATOR, via: 'stdio' };
    this.anonymous = { id: ANONYMOUS_ID, role: OPERATOR, via: 'anonymous' };
  }

  /** Throws PolicyError for a role policy with errors, TokenFileError for a bad token file. */
  static async create(server: PolicyDocument, registry: ExtensionRegistry): Promise<Access> {
    const section = server.extensions.access as AccessSection | undefined;
    const { roles, files } = await loadRoles(section, registry);
    return new Access(section, roles, files);
  }

  /** The everything-allowed access of a server without an `access` section. */
  static open(): Access {
    return new Access(undefined, new Map([[OPERATOR, new Role(OPERATOR)]]), []);
  }

  role(p: Principal): Role {
    const role = this.roles.get(p.role);
    // Principals are only made with known roles; an unknown one is refused everything.
    if (!role) throw new Error(`no role \`${p.role}\` is defined`);
    return role;
  }
}
