// Checking one piece of evidence against one configured signer, with
// @sigstore/verify doing the cryptography: signature, certificate chain
// against the trusted root, transparency-log entry (signed entry timestamp
// or inclusion proof) and certificate validity at the log's integrated time.
// What the library leaves to its caller is done here: that the signed thing
// is this artifact (message digest, in-toto subject, simple-signing
// manifest digest) and that the certificate's identity and issuer are the
// ones the policy names.

import { createHash, verify as nodeVerify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Bundle, bundleFromJSON, type TransparencyLogEntry } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import {
  type SignedEntity,
  type Signer as SigstoreSigner,
  type TrustMaterial,
  toSignedEntity,
  Verifier,
} from '@sigstore/verify';
import type { ArtifactEvidence, Evidence } from './evidence.js';
import { globMatches } from './glob.js';
import type { KeylessSigner, KeySigner, Signer } from './model.js';
import { loadTrustedRoot } from './trusted-root.js';
import type { SignerInfo } from './verify.js';

export type SignerCheck =
  | { ok: true; signer: SignerInfo }
  | {
      ok: false;
      reason: string;
      /** A certificate that verified but named someone else: who, for the help. */
      observed?: { identity: string; issuer?: string };
    };

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIMPLE_SIGNING_DIGEST = 'docker-manifest-digest';

class Refusal extends Error {
  constructor(
    message: string,
    readonly observed?: { identity: string; issuer?: string },
  ) {
    super(message);
  }
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function hexOf(digest: string | undefined): string | undefined {
  const m = digest === undefined ? null : /^sha256:([0-9a-f]{64})$/.exec(digest);
  return m ? m[1] : undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const text =
      typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
    return e.cause instanceof Error ? `${text} (${errorText(e.cause)})` : text;
  }
  return String(e);
}

/** The artifact's bytes, checked against its digest. */
async function artifactBytes(a: ArtifactEvidence): Promise<Buffer> {
  let bytes: Buffer;
  if (a.bytes) bytes = Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  else if (a.localPath) bytes = await readFile(a.localPath);
  else throw new Refusal('a message signature needs the artifact bytes, and the fetcher gave none');
  if (`sha256:${sha256(bytes).toString('hex')}` !== a.digest) {
    throw new Refusal(`the artifact bytes do not have the digest ${a.digest}`);
  }
  return bytes;
}

// ---- evidence to a SignedEntity ----

function parseBundle(raw: unknown): Bundle {
  try {
    return bundleFromJSON(raw);
  } catch (e) {
    throw new Refusal(`not a valid Sigstore bundle: ${errorText(e)}`);
  }
}

function inTotoSubjectDigests(payload: Buffer): string[] {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new Refusal('the DSSE payload is not JSON');
  }
  const subjects = (statement as { subject?: unknown }).subject;
  if (!Array.isArray(subjects)) throw new Refusal('the DSSE payload is not an in-toto statement');
  return subjects
    .map((s) => (s as { digest?: { sha256?: unknown } })?.digest?.sha256)
    .filter((d): d is string => typeof d === 'string')
    .map((d) => d.toLowerCase());
}

async function bundleEntity(a: ArtifactEvidence, raw: unknown): Promise<SignedEntity> {
  const bundle = parseBundle(raw);
  if (bundle.content.$case === 'messageSignature') {
    const md = bundle.content.messageSignature.messageDigest;
    const wanted = hexOf(a.digest);
    if (md && md.algorithm === HashAlgorithm.SHA2_256 && md.digest.toString('hex') !== wanted) {
      throw new Refusal(
        `the bundle signs sha256:${md.digest.toString('hex')}, not this artifact (${a.digest})`,
      );
    }
    return toSignedEntity(bundle, await artifactBytes(a));
  }
  const envelope = bundle.content.dsseEnvelope;
  const subjects = inTotoSubjectDigests(envelope.payload);
  const ours = [hexOf(a.digest), hexOf(a.manifestDigest)].filter((d) => d !== undefined);
  if (!subjects.some((d) => ours.includes(d))) {
    throw new Refusal(
      `the attestation's subjects (${subjects.map((d) => `sha256:${d}`).join(', ') || 'none'}) do not include ${a.digest}`,
    );
  }
  return toSignedEntity(bundle);
}

function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Refusal('the certificate annotation holds no PEM certificate');
  return Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64');
}

/** cosign's Rekor bundle annotation to a bundle's transparency-log entry. */
function rekorEntry(raw: unknown): TransparencyLogEntry {
  const r = raw as {
    SignedEntryTimestamp?: unknown;
    Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown };
  };
  const p = r?.Payload;
  if (
    typeof r?.SignedEntryTimestamp !== 'string' ||
    typeof p?.body !== 'string' ||
    typeof p.integratedTime !== 'number' ||
    typeof p.logIndex !== 'number' ||
    typeof p.logID !== 'string'
  ) {
    throw new Refusal('the Rekor bundle annotation is malformed');
  }
  const body = Buffer.from(p.body, 'base64');
  let kind: { kind?: unknown; apiVersion?: unknown };
  try {
    kind = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refusal('the Rekor entry body is not JSON');
  }
  return {
    logIndex: String(p.logIndex),
    logId: { keyId: Buffer.from(p.logID, 'hex') },
    kindVersion: { kind: String(kind.kind), version: String(kind.apiVersion) },
    integratedTime: String(p.integratedTime),
    inclusionPromise: { signedEntryTimestamp: Buffer.from(r.SignedEntryTimestamp, 'base64') },
    inclusionProof: undefined,
    canonicalizedBody: body,
  };
}

/**
 * A cosign simple-signing signature (as cosign stores it in an OCI registry)
 * as a message-signature bundle over the payload bytes, so the library
 * checks it like any other bundle. The chain annotation is not used: the
 * path from the leaf to a root is built from the trusted root's own
 * certificate chains, so a chain an artifact brings cannot add a CA.
 */
function cosignEntity(
  a: ArtifactEvidence,
  ev: Extract<Evidence, { kind: 'cosign-signature' }>,
): SignedEntity {
  let payload: { critical?: { image?: Record<string, unknown> } };
  const bytes = Buffer.from(ev.payload);
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Refusal('the simple-signing payload is not JSON');
  }
  const signed = payload?.critical?.image?.[SIMPLE_SIGNING_DIGEST];
  if (a.manifestDigest === undefined) {
    throw new Refusal('a cosign image signature needs the manifest digest, and none was given');
  }
  if (signed !== a.manifestDigest) {
    throw new Refusal(
      `the signature is for manifest ${String(signed)}, not this artifact's manifest ${a.manifestDigest}`,
    );
  }
  const bundle = {
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      content:
        ev.certificate !== undefined
          ? { $case: 'certificate', certificate: { rawBytes: pemToDer(ev.certificate) } }
          : { $case: 'publicKey', publicKey: { hint: '' } },
      tlogEntries: ev.rekorBundle !== undefined ? [rekorEntry(ev.rekorBundle)] : [],
      timestampVerificationData: undefined,
    },
    content: {
      $case: 'messageSignature',
      messageSignature: {
        messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest: sha256(bytes) },
        signature: Buffer.from(ev.signature, 'base64'),
      },
    },
  } as unknown as Bundle;
  return toSignedEntity(bundle, bytes);
}

// ---- checks per signer kind ----

function keyMaterial(signer: KeySigner): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: signer.key, validFor: () => true }),
  };
}

function checkKey(entity: SignedEntity, signer: KeySigner): SignerInfo {
  // A key is its own trust anchor: the certificate or log entries a bundle
  // may carry beside the signature are not what the operator trusts here,
  // so only the signature over the content is checked, with this key.
  const keyed: SignedEntity = {
    ...entity,
    key: { $case: 'public-key', hint: signer.id },
    tlogEntries: [],
    timestamps: [],
  };
  if (signer.key.asymmetricKeyType === 'ed25519') {
    // Ed25519 signs the message itself; the library passes a digest name to
    // node:crypto, which Ed25519 keys reject, so the check is made here.
    // (DSSE content already verifies without a digest name.)
    const content = entity.signature as { artifact?: unknown; signature?: unknown };
    let ok: boolean;
    if (Buffer.isBuffer(content.artifact) && Buffer.isBuffer(content.signature)) {
      try {
        ok = nodeVerify(null, content.artifact, signer.key, content.signature);
      } catch {
        ok = false;
      }
    } else ok = entity.signature.verifySignature(signer.key);
    if (!ok) throw new Refusal('the signature does not verify with this key');
    return { kind: 'key', id: signer.id };
  }
  try {
    new Verifier(keyMaterial(signer), {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    }).verify(keyed);
  } catch (e) {
    throw new Refusal(`the signature does not verify with this key (${errorText(e)})`);
  }
  return { kind: 'key', id: signer.id };
}

function checkKeyless(entity: SignedEntity, signer: KeylessSigner): SignerInfo {
  if (entity.key.$case !== 'certificate') {
    throw new Refusal('signed with a bare key, not a certificate, so no identity can be checked');
  }
  const root = loadTrustedRoot(signer.trustedRoot);
  let result: SigstoreSigner;
  try {
    result = new Verifier(root.material, {
      tlogThreshold: 1,
      ctlogThreshold: root.ctlogs > 0 ? 1 : 0,
      timestampThreshold: 1,
    }).verify(entity);
  } catch (e) {
    throw new Refusal(errorText(e));
  }
  const identity = result.identity?.subjectAlternativeName;
  const issuer = result.identity?.extensions?.issuer;
  const observed =
    identity !== undefined ? { identity, ...(issuer !== undefined ? { issuer } : {}) } : undefined;
  if (identity === undefined || !globMatches(signer.identity, identity, 'identity')) {
    throw new Refusal(
      `the certificate identity ${identity ?? '(none)'} does not match ${signer.identity}`,
      observed,
    );
  }
  if (issuer === undefined || !globMatches(signer.issuer, issuer, 'identity')) {
    throw new Refusal(
      `the certificate issuer ${issuer ?? '(none)'} does not match ${signer.issuer}`,
      observed,
    );
  }
  return { kind: 'keyless', id: identity, issuer };
}

/**
 * cosign's own blob bundle (`sign-blob --bundle` without
 * --new-bundle-format: `{"base64Signature", "cert", "rekorBundle"}`) is no
 * Sigstore bundle and @sigstore/bundle cannot parse it; a keyed one is a
 * plain signature over the blob, checked with node:crypto.
 */
async function checkLegacyBlob(
  a: ArtifactEvidence,
  raw: { base64Signature: string; cert?: unknown },
  signer: Signer,
): Promise<SignerInfo> {
  if (signer.kind !== 'key') {
    throw new Refusal(
      'a keyless signature must come as a Sigstore bundle (cosign sign-blob --new-bundle-format)',
    );
  }
  const bytes = await artifactBytes(a);
  const sig = Buffer.from(raw.base64Signature, 'base64');
  const algorithm = signer.key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  let ok = false;
  try {
    ok = nodeVerify(algorithm, bytes, signer.key, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new Refusal('the signature does not verify with this key');
  return { kind: 'key', id: signer.id };
}

function isLegacyBlobBundle(raw: unknown): raw is { base64Signature: string; cert?: unknown } {
  return (
    raw !== null &&
    typeof raw === 'object' &&
    typeof (raw as { base64Signature?: unknown }).base64Signature === 'string' &&
    (raw as { mediaType?: unknown }).mediaType === undefined
  );
}

export async function verifyWithSigner(
  a: ArtifactEvidence,
  ev: Evidence,
  signer: Signer,
): Promise<SignerCheck> {
  try {
    if (ev.kind === 'sigstore-bundle' && isLegacyBlobBundle(ev.bundle)) {
      return { ok: true, signer: await checkLegacyBlob(a, ev.bundle, signer) };
    }
    const entity =
      ev.kind === 'sigstore-bundle' ? await bundleEntity(a, ev.bundle) : cosignEntity(a, ev);
    const info = signer.kind === 'key' ? checkKey(entity, signer) : checkKeyless(entity, signer);
    return { ok: true, signer: info };
  } catch (e) {
    const observed = e instanceof Refusal ? e.observed : undefined;
    return { ok: false, reason: errorText(e), ...(observed ? { observed } : {}) };
  }
}
