// The trust decision a load waits for, as the loader sees it. The trust
// policy (../trust/) supplies the real one; without it, the operator's own
// loads and local files pass, and a client's remote load is refused.

import type { ArtifactEvidence } from './artifact.js';

export type TrustDecision =
  | {
      allowed: true;
      rule: string;
      reason: string;
      signer?: {
        kind: 'key' | 'keyless' | 'digest' | 'operator' | 'local';
        id: string;
        issuer?: string;
      };
    }
  | { allowed: false; rule?: string; reason: string; help: string };

export type TrustGate = (artifact: ArtifactEvidence) => Promise<TrustDecision>;

export const operatorOnlyGate: TrustGate = async (a) =>
  a.operator
    ? {
        allowed: true,
        rule: 'operator',
        reason: 'the operator loaded it',
        signer: { kind: 'operator', id: 'operator' },
      }
    : a.localPath !== undefined
      ? {
          allowed: true,
          rule: 'local',
          reason: 'a local file',
          signer: { kind: 'local', id: a.localPath },
        }
      : {
          allowed: false,
          reason: `no trust policy is configured, so ${a.source} may not be loaded by a client`,
          help: 'add a `trust` section to the server policy naming the sources and signers to trust',
        };
