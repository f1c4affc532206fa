// PolicyDocument to a frozen CompiledPolicy: every matcher built once, here.
// Checks never throw: an error while deciding is a deny.

import { EnvironmentMatcher } from './compile-environment.js';
import { NetworkMatcher, type NetworkTarget } from './compile-network.js';
import { StorageMatcher, type StorageScope } from './compile-storage.js';
import { type Decision, denial } from './decision.js';
import { InvalidPolicyError } from './errors.js';
import type { ExtensionRegistry } from './extension.js';
import type { Access, PolicyDocument, ResourceLimits, RuntimeSettings } from './model.js';

export interface CompileOptions {
  /** Needed when the document has extension sections. */
  registry?: ExtensionRegistry;
}

const ERROR = denial('invalid', 'the check failed; denied');
const BAD_URL = denial('invalid', 'the URL could not be parsed');

export class CompiledPolicy {
  readonly document: PolicyDocument;
  readonly limits: Readonly<ResourceLimits>;
  readonly runtime: Readonly<RuntimeSettings>;
  readonly #storage: StorageMatcher;
  readonly #network: NetworkMatcher;
  readonly #environment: EnvironmentMatcher;
  readonly #extensions: ReadonlyMap<string, unknown>;

  constructor(document: PolicyDocument, options: CompileOptions = {}) {
    this.document = document;
    this.limits = Object.freeze({ ...document.limits });
    this.runtime = Object.freeze({ ...document.runtime });
    this.#storage = new StorageMatcher(document.storage);
    this.#network = new NetworkMatcher(document.network);
    this.#environment = new EnvironmentMatcher(document.environment);
    const extensions = new Map<string, unknown>();
    for (const [id, section] of Object.entries(document.extensions)) {
      const ext = options.registry?.get(id);
      if (!ext) {
        throw new InvalidPolicyError(
          `the policy has a \`${id}\` section but no extension \`${id}\` is registered`,
        );
      }
      extensions.set(id, ext.compile(section, document.file ? { file: document.file } : {}));
    }
    this.#extensions = extensions;
    Object.freeze(this);
  }

  /** Decide `read` or `write` access to an absolute host path. */
  decideStorage(path: string, access: Access): Decision {
    try {
      return this.#storage.decide(path, access);
    } catch {
      return ERROR;
    }
  }

  /**
   * The storage decisions for the paths below the directory `dir`, made in
   * time proportional to the part below it, when the policy allows that (no
   * rule inside `dir`, none with a pattern on the way to it); undefined
   * otherwise. Each equals decideStorage for the same path and access.
   */
  storageScope(dir: string, access: Access): StorageScope | undefined {
    try {
      return this.#storage.scope(dir, access);
    } catch {
      return undefined;
    }
  }

  /** Decide reaching a host (name or IP) with optional port, scheme, method, path, protocol. */
  decideNetwork(target: NetworkTarget): Decision {
    try {
      return this.#network.decide(target);
    } catch {
      return ERROR;
    }
  }

  /** Decide a URL request; userinfo and port never count as part of the host. */
  decideUrl(url: string | URL, method = 'GET'): Decision {
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return BAD_URL;
    }
    const scheme = u.protocol.slice(0, -1);
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    return this.decideNetwork({
      host,
      scheme,
      method,
      path: u.pathname,
      ...(u.port ? { port: Number(u.port) } : {}),
    });
  }

  /**
   * Decide connecting to a resolved address. Pass the name-level decision as
   * `byName`: an address no rule mentions is then allowed, but deny ranges and
   * special addresses (loopback, link-local, metadata, private) still refuse.
   */
  decideAddress(
    address: string,
    target?: Omit<NetworkTarget, 'host'>,
    byName?: Decision,
  ): Decision {
    try {
      return this.#network.decideAddress(address, target, byName);
    } catch {
      return ERROR;
    }
  }

  decideEnv(key: string): Decision {
    try {
      return this.#environment.decide(key);
    } catch {
      return ERROR;
    }
  }

  /** Literal directories of storage allow rules, for preopens. */
  get storageRoots(): readonly string[] {
    return this.#storage.roots;
  }

  /** The compiled form of an extension's section, when the document has one. */
  extension<T = unknown>(id: string): T | undefined {
    return this.#extensions.get(id) as T | undefined;
  }
}

export function compilePolicy(
  document: PolicyDocument,
  options: CompileOptions = {},
): CompiledPolicy {
  return new CompiledPolicy(document, options);
}
