// Who is asking: the identity a request was authenticated as, and its role.

export type Via = 'stdio' | 'token' | 'oauth' | 'anonymous';

export interface Principal {
  /** Stable and unique per identity: `token:<id>`, `oauth:<issuer>#<subject>`, `stdio`, `anonymous`. */
  readonly id: string;
  readonly role: string;
  readonly via: Via;
  /** A name for people: the token's name, the token's subject. */
  readonly name?: string;
  readonly scopes?: readonly string[];
  /** When the credential stops being valid, ms since the epoch. */
  readonly expiresAt?: number;
}

/** The shape of a client in audit and history records. */
export function clientOf(p: Principal): { id: string; role: string; via: Via } {
  return { id: p.id, role: p.role, via: p.via };
}
