/**
 * Files no policy may read, whoever wrote it: private keys, keytabs, VPN configurations, old
 * password hashes, a process's environment. A content rule reads a file into evidence and
 * reports, so an imported policy naming one of these would copy a node's secrets out. Refused
 * when a policy loads (policy-schema) and again where a probe plans its read (file-access).
 * A `file` rule (mode and owner, never the text) may still name them.
 */
import { posix } from 'node:path';

const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\/ssh_host_[^/]*_key$/, 'an SSH host private key'],
  [/\.key$/i, 'a private key'],
  [/\/private\//, 'a private key folder'],
  [/\.keytab$/i, 'a Kerberos keytab'],
  [/^\/etc\/wireguard\//, 'a WireGuard configuration (private keys)'],
  [/\/opasswd$/, 'old password hashes'],
  [/^\/proc\/.*\/environ$/, "a process's environment"],
];

/** Why a path is a secret file ("refused: secret file (...)"), or null when a policy may read it. */
export function secretPathReason(path: string): string | null {
  const normal = posix.normalize(path);
  for (const [pattern, what] of SECRET_PATTERNS) {
    if (pattern.test(normal)) return `refused: secret file (${what}): ${path}`;
  }
  return null;
}
