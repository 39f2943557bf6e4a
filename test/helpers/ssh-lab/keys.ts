/** SSH key pairs made by the real ssh-keygen, and known_hosts lines (plain and hashed) for them. */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { PROGRAMS, run } from './run';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  /** `ssh-ed25519 AAAA…` (type and base64 blob, no comment). */
  publicKey: string;
  /** As `ssh-keygen -lf` prints it: `SHA256:…` (unpadded base64). */
  fingerprintSha256: string;
  /** Null for a key without one. */
  passphrase: string | null;
}

/** `SHA256:…` of an OpenSSH public key line, exactly as ssh and sshd print it. */
export function fingerprintSha256(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key line: ${JSON.stringify(publicKey)}`);
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** Writes PATH and PATH.pub with ssh-keygen (replacing any existing pair). */
export async function generateKeyPair(path: string, options: { type?: KeyType; passphrase?: string; comment: string }): Promise<KeyPair> {
  const type = options.type ?? 'ed25519';
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const bits = type === 'rsa' ? ['-b', '3072'] : type === 'ecdsa' ? ['-b', '256'] : [];
  await run(PROGRAMS.sshKeygen, ['-q', '-t', type, ...bits, '-N', options.passphrase ?? '', '-C', options.comment, '-f', path], {
    step: `generate ${type} key ${path}`,
  });
  const publicKey = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return {
    privateKeyPath: path,
    publicKeyPath: `${path}.pub`,
    publicKey,
    fingerprintSha256: fingerprintSha256(publicKey),
    passphrase: options.passphrase ?? null,
  };
}

/** How known_hosts names a host: `198.18.3.2`, or `[198.18.3.2]:2222` off port 22. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function knownHostsLine(address: string, port: number, publicKey: string): string {
  return `${knownHostsName(address, port)} ${publicKey}`;
}

/** The `HashKnownHosts yes` form: `|1|base64(salt)|base64(HMAC-SHA1(salt, name)) key`. */
export function hashedKnownHostsLine(address: string, port: number, publicKey: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(knownHostsName(address, port)).digest('base64');
  return `|1|${salt.toString('base64')}|${hash} ${publicKey}`;
}
