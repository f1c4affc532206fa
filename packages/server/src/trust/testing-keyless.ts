// A test Sigstore instance for keyless signatures, all offline: a
// Fulcio-style CA (root → intermediate → short-lived leaf carrying the
// signer's identity as SAN and the OIDC issuer in Fulcio's extensions), a
// Rekor-style log key that signs entry timestamps (SETs) over hashedrekord
// entries, and the trusted_root.json naming both. Bundles are built the way
// Fulcio + Rekor + cosign would build them, with knobs to break each part.

import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  KeyObject as NodeKeyObject,
  sign,
  webcrypto,
} from 'node:crypto';
import type * as X509 from '@peculiar/x509';

// @peculiar/x509 needs the reflect-metadata polyfill loaded first.
await import('reflect-metadata');
const x509: typeof X509 = await import('@peculiar/x509');
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
export const BUNDLE_V01 = 'application/vnd.dev.sigstore.bundle+json;version=0.1';

const b64 = (b: ArrayBuffer | Uint8Array | Buffer) =>
  Buffer.from(b as Uint8Array).toString('base64');

/** JSON with sorted keys and no spaces (RFC 8785 for the values Rekor uses). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export interface TestCa {
  root: X509.X509Certificate;
  intermediate: X509.X509Certificate;
  intermediateKeys: CryptoKeyPair;
}

const YEAR = 365 * 24 * 3600 * 1000;

export async function makeCa(name = 'Test Fulcio'): Promise<TestCa> {
  const rootKeys = await keys();
  const now = Date.now();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name} Root, O=mcpkit-test`,
    notBefore: new Date(now - 10 * YEAR),
    notAfter: new Date(now + 10 * YEAR),
    signingAlgorithm: ALG,
    keys: rootKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediateKeys = await keys();
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${name} Intermediate, O=mcpkit-test`,
    issuer: root.subject,
    notBefore: new Date(now - 5 * YEAR),
    notAfter: new Date(now + 5 * YEAR),
    signingAlgorithm: ALG,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  return { root, intermediate, intermediateKeys };
}

export interface TestLog {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** sha256 of the log's SPKI public key. */
  logId: Buffer;
}

export function makeLog(): TestLog {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, logId: createHash('sha256').update(der).digest() };
}

/** The trusted_root.json of this instance. */
export function trustedRootJson(cas: TestCa[], logs: TestLog[]): string {
  return JSON.stringify(
    {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: logs.map((l) => ({
        baseUrl: 'https://rekor.test.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(l.publicKey.export({ type: 'spki', format: 'der' })),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: '2000-01-01T00:00:00Z' },
        },
        logId: { keyId: b64(l.logId) },
      })),
      certificateAuthorities: cas.map((c) => ({
        subject: { organization: 'mcpkit-test', commonName: 'Test Fulcio' },
        uri: 'https://fulcio.test.invalid',
        certChain: {
          certificates: [
            { rawBytes: b64(c.intermediate.rawData) },
            { rawBytes: b64(c.root.rawData) },
          ],
        },
        validFor: { start: '2000-01-01T00:00:00Z' },
      })),
      ctlogs: [],
      timestampAuthorities: [],
    },
    null,
    2,
  );
}

export interface LeafOptions {
  identity: string;
  issuer: string;
  /** Which Fulcio issuer extension carries the issuer (default v2, .1.8). */
  issuerExtension?: 'v1' | 'v2';
  notBefore: Date;
  notAfter: Date;
}

export async function makeLeaf(
  ca: TestCa,
  o: LeafOptions,
): Promise<{ cert: X509.X509Certificate; privateKey: KeyObject }> {
  const leafKeys = await keys();
  const issuerBytes = Buffer.from(o.issuer, 'utf8');
  const issuerExt =
    o.issuerExtension === 'v1'
      ? new x509.Extension(OID_ISSUER_V1, false, issuerBytes)
      : new x509.Extension(
          OID_ISSUER_V2,
          false,
          Buffer.concat([Buffer.from([0x0c, issuerBytes.length]), issuerBytes]),
        );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16),
    subject: '',
    issuer: ca.intermediate.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: ca.intermediateKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.3']),
      new x509.SubjectAlternativeNameExtension(
        [
          o.identity.includes('://')
            ? { type: 'url', value: o.identity }
            : { type: 'email', value: o.identity },
        ],
        true,
      ),
      issuerExt,
      await x509.AuthorityKeyIdentifierExtension.create(ca.intermediateKeys.publicKey),
    ],
  });
  return { cert, privateKey: NodeKeyObject.from(leafKeys.privateKey) };
}

export interface LogEntryOptions {
  integratedTime: number;
  /** Change the body after the log signed it. */
  tamperBody?: boolean;
  /** Sign the SET with this log instead (one the trusted root may not name). */
  signWith?: TestLog;
}

/** A hashedrekord entry for `signature` over data with `digestHex`, with its SET. */
export function logEntry(
  log: TestLog,
  certPem: string,
  digestHex: string,
  signature: Buffer,
  o: LogEntryOptions,
) {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digestHex } },
      signature: { content: b64(signature), publicKey: { content: b64(Buffer.from(certPem)) } },
    },
  };
  const bodyBytes = Buffer.from(canonicalJson(body));
  const logIndex = 4242;
  const signer = o.signWith ?? log;
  const set = sign(
    'sha256',
    Buffer.from(
      canonicalJson({
        body: b64(bodyBytes),
        integratedTime: o.integratedTime,
        logID: signer.logId.toString('hex'),
        logIndex,
      }),
    ),
    signer.privateKey,
  );
  const finalBody = o.tamperBody
    ? Buffer.from(
        canonicalJson({
          ...body,
          spec: { ...body.spec, data: { hash: { algorithm: 'sha256', value: 'f'.repeat(64) } } },
        }),
      )
    : bodyBytes;
  return { body: finalBody, set, logIndex, logId: signer.logId, integratedTime: o.integratedTime };
}

export interface BundleOptions extends LeafOptions, Partial<LogEntryOptions> {
  ca: TestCa;
  log: TestLog;
  /** No transparency-log entry at all. */
  noTlog?: boolean;
  /**
   * A v0.3 bundle whose entry also carries an inclusion proof in a two-leaf
   * tree and a checkpoint signed by `checkpointLog` (default: the log).
   */
  inclusionProof?: boolean;
  checkpointLog?: TestLog;
}

const hashLeaf = (b: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(b)
    .digest();
const hashNode = (l: Buffer, r: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([1]))
    .update(l)
    .update(r)
    .digest();

/** An RFC 6962 proof that `body` is leaf 1 of a two-leaf tree, with a signed checkpoint. */
function inclusionProof(body: Buffer, log: TestLog) {
  const sibling = hashLeaf(Buffer.from('an earlier entry'));
  const root = hashNode(sibling, hashLeaf(body));
  const origin = 'rekor.test.invalid';
  const note = `${origin} - 1234\n2\n${b64(root)}\n`;
  const sig = sign('sha256', Buffer.from(note), log.privateKey);
  const envelope = `${note}\n\u2014 ${origin} ${b64(Buffer.concat([log.logId.subarray(0, 4), sig]))}\n`;
  return {
    logIndex: '1',
    rootHash: b64(root),
    treeSize: '2',
    hashes: [b64(sibling)],
    checkpoint: { envelope },
  };
}

/** A v0.1 Sigstore bundle (x509 chain + SET), as keyless cosign/sigstore-js make. */
export async function keylessBundle(artifact: Buffer, o: BundleOptions) {
  const { cert, privateKey } = await makeLeaf(o.ca, o);
  const signature = sign('sha256', artifact, privateKey);
  const digest = createHash('sha256').update(artifact).digest();
  const integratedTime = o.integratedTime ?? Math.floor(Date.now() / 1000);
  const e = logEntry(o.log, cert.toString('pem'), digest.toString('hex'), signature, {
    ...o,
    integratedTime,
  });
  return {
    mediaType: o.inclusionProof ? 'application/vnd.dev.sigstore.bundle.v0.3+json' : BUNDLE_V01,
    verificationMaterial: {
      ...(o.inclusionProof
        ? { certificate: { rawBytes: b64(cert.rawData) } }
        : { x509CertificateChain: { certificates: [{ rawBytes: b64(cert.rawData) }] } }),
      tlogEntries: o.noTlog
        ? []
        : [
            {
              logIndex: String(e.logIndex),
              logId: { keyId: b64(e.logId) },
              kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
              integratedTime: String(e.integratedTime),
              inclusionPromise: { signedEntryTimestamp: b64(e.set) },
              ...(o.inclusionProof
                ? { inclusionProof: inclusionProof(e.body, o.checkpointLog ?? o.log) }
                : {}),
              canonicalizedBody: b64(e.body),
            },
          ],
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: b64(digest) },
      signature: b64(signature),
    },
  };
}

/**
 * A keyless cosign image signature as cosign stores it in a registry: the
 * simple-signing payload, its signature, the certificate annotation and the
 * Rekor bundle annotation.
 */
export async function keylessCosignSignature(payload: Buffer, o: BundleOptions) {
  const { cert, privateKey } = await makeLeaf(o.ca, o);
  const signature = sign('sha256', payload, privateKey);
  const digestHex = createHash('sha256').update(payload).digest('hex');
  const integratedTime = o.integratedTime ?? Math.floor(Date.now() / 1000);
  const pem = cert.toString('pem');
  const e = logEntry(o.log, pem, digestHex, signature, { ...o, integratedTime });
  return {
    signature: b64(signature),
    certificate: pem,
    chain: `${o.ca.intermediate.toString('pem')}\n${o.ca.root.toString('pem')}`,
    rekorBundle: {
      SignedEntryTimestamp: b64(e.set),
      Payload: {
        body: b64(e.body),
        integratedTime: e.integratedTime,
        logIndex: e.logIndex,
        logID: e.logId.toString('hex'),
      },
    },
  };
}
