// The document model of a policy: what `validate` produces from text and what
// `compile`, `merge` and `serialize` consume. Plain data; no matching logic here.

export interface SourceRef {
  /** JSON Pointer of the rule in the document it came from. */
  readonly pointer: string;
  readonly line: number;
  readonly column: number;
  readonly file?: string;
}

export type Access = 'read' | 'write';
export const ACCESSES: readonly Access[] = Object.freeze(['read', 'write']);

export interface StorageRule {
  /** As written, e.g. `fs:///workspace/**`. */
  readonly uri: string;
  /** Absolute, lexically normalised host path glob. */
  readonly pattern: string;
  readonly access: readonly Access[];
  readonly at: SourceRef;
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** How much of the network a component may use, counted over all its calls. */
export interface EgressLimits {
  readonly requestsPerMinute?: number;
  /** Requests in flight at once (each redirect hop is one). */
  readonly concurrentConnections?: number;
  /** The largest response body, in bytes. */
  readonly maxResponseBytes?: number;
}

/** Optional constraints a network rule may add to its host or CIDR. */
export interface NetworkConstraints {
  readonly ports?: readonly PortRange[];
  /** Lower-case, e.g. `https`. */
  readonly schemes?: readonly string[];
  /** Upper-case, e.g. `GET`. */
  readonly methods?: readonly string[];
  /** URL path prefixes, matched on `/` boundaries. */
  readonly paths?: readonly string[];
  /** Transport protocols, `tcp` or `udp`, for socket access. */
  readonly protocols?: readonly string[];
  /** Allow rules only: limits on the requests this rule allows. */
  readonly limits?: EgressLimits;
}

export interface HostRule extends NetworkConstraints {
  readonly kind: 'host';
  /** As written. */
  readonly host: string;
  /**
   * Normalised: an exact name (`api.example.com`), a wildcard (`*.example.com`),
   * `*` (any name), or a canonical IP address.
   */
  readonly pattern: string;
  readonly at: SourceRef;
}

export interface CidrRule extends NetworkConstraints {
  readonly kind: 'cidr';
  /** As written. */
  readonly cidr: string;
  /** Canonical `address/prefix`. */
  readonly pattern: string;
  readonly at: SourceRef;
}

export type NetworkRule = HostRule | CidrRule;

export interface NetworkSection extends RuleLists<NetworkRule> {
  /** Limits on all the component's requests together. */
  readonly limits?: EgressLimits;
}

export interface EnvRule {
  /** A key (`API_KEY`), a prefix pattern (`APP_*`), or `*`. Case-sensitive. */
  readonly key: string;
  readonly at: SourceRef;
}

export interface RuleLists<R> {
  readonly allow: readonly R[];
  readonly deny: readonly R[];
}

export interface ResourceLimits {
  /** Bytes of linear memory. */
  readonly memory?: number;
  /**
   * Cores the component's calls may use together, on average over time
   * (`500m` is half a core): a CPU quota, not a count of calls.
   */
  readonly cpu?: number;
  /** Milliseconds of CPU time one call may use, on the thread that runs it. */
  readonly cpuTime?: number;
  /** Milliseconds of wall-clock time per call. */
  readonly executionTime?: number;
  /** Bytes of output (stdout and stderr, each) per call. */
  readonly output?: number;
  /** Calls running at once. */
  readonly concurrency?: number;
  /** Host files one call may hold open at once. */
  readonly openFiles?: number;
}

/** Largest `open_files` limit a policy may set. */
export const MAX_OPEN_FILES = 4096;

export type LimitName = keyof ResourceLimits;
export const LIMIT_NAMES: readonly LimitName[] = Object.freeze([
  'memory',
  'cpu',
  'cpuTime',
  'executionTime',
  'output',
  'concurrency',
  'openFiles',
]);

export type Isolation = 'worker' | 'inline';

export interface RuntimeSettings {
  readonly isolation?: Isolation;
}

export interface PolicyDocument {
  readonly version: string;
  readonly description?: string;
  /** As written, relative to the file that names them. */
  readonly extends: readonly string[];
  readonly storage: RuleLists<StorageRule>;
  readonly network: NetworkSection;
  readonly environment: RuleLists<EnvRule>;
  readonly limits: ResourceLimits;
  /** Where each limit was set, for explanations. */
  readonly limitsAt: Readonly<Partial<Record<LimitName, SourceRef>>>;
  readonly runtime: RuntimeSettings;
  /** Parsed extension sections by extension id. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The file this document was read from, when it was. */
  readonly file?: string;
}

export const CURRENT_VERSION = '1.0';

export function emptyRuleLists<R>(): RuleLists<R> {
  return { allow: [], deny: [] };
}

/** A document that grants nothing. */
export function emptyPolicy(description?: string): PolicyDocument {
  return {
    version: CURRENT_VERSION,
    ...(description ? { description } : {}),
    extends: [],
    storage: emptyRuleLists(),
    network: emptyRuleLists(),
    environment: emptyRuleLists(),
    limits: {},
    limitsAt: {},
    runtime: {},
    extensions: {},
  };
}
