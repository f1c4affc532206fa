// The trust check: what a fetcher hands over, the policy section, the decision.

export type { ArtifactEvidence, Evidence } from './evidence.js';
export { compileTrust, trustExtension } from './extension.js';
export { globMatches } from './glob.js';
export type { CompiledTrust, FetchSettings, NetworkRule, Signer, SourceRule } from './model.js';
export { EMPTY_TRUST } from './model.js';
export { serverTrust } from './server-trust.js';
export {
  decideTrust,
  matchingRule,
  ruleSnippet,
  type SignerInfo,
  type TrustDecision,
} from './verify.js';
