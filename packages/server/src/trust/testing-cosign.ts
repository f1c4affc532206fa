// Running the real cosign CLI from tests: key pairs and blob signatures.
// The binary is $COSIGN, `cosign` on PATH, or ~/go/bin/cosign (where
// `go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5` puts it).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export function cosignBinary(): string {
  const candidates = [
    process.env.COSIGN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'cosign')),
    join(homedir(), 'go', 'bin', 'cosign'),
    join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin', 'cosign'),
  ].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(
      'cosign is not installed: go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5 (or set COSIGN)',
    );
  }
  return found;
}

const PASSWORD = 'test-password';

export function cosign(args: string[], cwd: string): string {
  return execFileSync(cosignBinary(), args, {
    cwd,
    env: { ...process.env, COSIGN_PASSWORD: PASSWORD, COSIGN_YES: 'true' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `cosign generate-key-pair` in dir; the prefix names the files (`<prefix>.key`, `.pub`). */
export function cosignKeyPair(dir: string, prefix = 'cosign'): { key: string; pub: string } {
  cosign(['generate-key-pair', '--output-key-prefix', prefix], dir);
  return { key: join(dir, `${prefix}.key`), pub: join(dir, `${prefix}.pub`) };
}

/** `cosign sign-blob --key` without the transparency log; returns the bundle path. */
export function cosignSignBlob(
  dir: string,
  key: string,
  file: string,
  bundle: string,
  newFormat: boolean,
): string {
  cosign(
    [
      'sign-blob',
      '--key',
      key,
      '--tlog-upload=false',
      ...(newFormat ? ['--new-bundle-format'] : []),
      '--bundle',
      bundle,
      file,
    ],
    dir,
  );
  return bundle;
}

/**
 * `cosign verify-blob` of a keyless bundle against a trusted root file (so
 * cosign asks no TUF repository); throws when cosign refuses it.
 */
export function cosignVerifyKeyless(
  dir: string,
  o: { bundle: string; file: string; trustedRoot: string; identity: string; issuer: string },
): string {
  return cosign(
    [
      'verify-blob',
      '--bundle',
      o.bundle,
      '--new-bundle-format',
      '--trusted-root',
      o.trustedRoot,
      '--certificate-identity',
      o.identity,
      '--certificate-oidc-issuer',
      o.issuer,
      '--insecure-ignore-sct',
      o.file,
    ],
    dir,
  );
}

/** `cosign verify-blob --key` of a keyed Sigstore bundle, offline; throws when cosign refuses it. */
export function cosignVerifyKeyed(
  dir: string,
  o: { key: string; bundle: string; file: string; trustedRoot: string },
): string {
  return cosign(
    [
      'verify-blob',
      '--key',
      o.key,
      '--bundle',
      o.bundle,
      '--new-bundle-format',
      '--trusted-root',
      o.trustedRoot,
      '--insecure-ignore-tlog=true',
      o.file,
    ],
    dir,
  );
}
