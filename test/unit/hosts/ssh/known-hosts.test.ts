import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  keyTypeOfBlob,
  knownHostKeyTypes,
  knownHostsName,
  replaceHostKey,
  trustHostKey,
  verifyHostKey,
  type HostKey,
} from '../../../../electron/core/hosts/ssh/known-hosts';
import { HOST_KEY_ALGORITHMS, preferredHostKeyAlgorithms } from '../../../../electron/core/hosts/ssh/host-key-algorithms';
import { ed25519Key } from '../../../helpers/host-keys';
import { tempDir } from '../../../helpers/tmp';

// ssh2's own default list, to check ours against (not part of its typed API).
const { DEFAULT_SERVER_HOST_KEY } = createRequire(__filename)('ssh2/lib/protocol/constants') as { DEFAULT_SERVER_HOST_KEY: string[] };

const line = (name: string, key: HostKey) => `${name} ${key.type} ${key.blob.toString('base64')}`;

/** A real RSA public key blob in SSH wire format (string "ssh-rsa", mpint e, mpint n). */
function rsaKey(): HostKey {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const mpint = (base64url: string) => {
    const raw = Buffer.from(base64url, 'base64url');
    return field(raw[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  return { type: 'ssh-rsa', blob: Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]) };
}

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts verification', () => {
  const key = ed25519Key();
  const other = ed25519Key();

  it('computes OpenSSH SHA256 fingerprints and reads the key type from the blob', () => {
    expect(fingerprint(key.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOfBlob(key.blob)).toBe('ssh-ed25519');
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('trusts a listed key, for plain, [host]:port, pattern and hashed entries', () => {
    const dir = tempDir();
    const file = join(dir, 'known_hosts');
    writeFileSync(
      file,
      [
        '# comment',
        line('gpu-01,10.0.0.1', key),
        line('[10.0.0.2]:2222', key),
        line('*.cluster.local,!bad.cluster.local', key),
        line(hashedName('10.0.0.9'), key),
        'garbage line',
      ].join('\n'),
    );
    expect(verifyHostKey([file], '10.0.0.1', 22, key).kind).toBe('trusted');
    expect(verifyHostKey([file], '10.0.0.2', 2222, key).kind).toBe('trusted');
    expect(verifyHostKey([file], '10.0.0.2', 22, key).kind).toBe('unknown');
    expect(verifyHostKey([file], 'node7.cluster.local', 22, key).kind).toBe('trusted');
    expect(verifyHostKey([file], 'bad.cluster.local', 22, key).kind).toBe('unknown');
    expect(verifyHostKey([file], '10.0.0.9', 22, key).kind).toBe('trusted');
    expect(verifyHostKey([file], '10.0.0.8', 22, key).kind).toBe('unknown');
  });

  it('calls a different key of the same type a mismatch, naming the known fingerprint', () => {
    const file = join(tempDir(), 'known_hosts');
    writeFileSync(file, `${line(hashedName('10.0.0.1'), key)}\n`);
    const verdict = verifyHostKey([file], '10.0.0.1', 22, other);
    expect(verdict).toEqual({ kind: 'mismatch', file, knownFingerprints: [fingerprint(key.blob)] });
  });

  it('refuses a @revoked key, and lets the app file trust a key the user file has an old one for', () => {
    const dir = tempDir();
    const app = join(dir, 'app_known_hosts');
    const user = join(dir, 'user_known_hosts');
    writeFileSync(user, `${line('10.0.0.1', key)}\n@revoked * ${other.type} ${other.blob.toString('base64')}\n`);
    expect(verifyHostKey([app, user], '10.0.0.1', 22, other).kind).toBe('revoked');
    const third = ed25519Key();
    expect(verifyHostKey([app, user], '10.0.0.1', 22, third).kind).toBe('mismatch');
    trustHostKey(app, '10.0.0.1', 22, third);
    expect(verifyHostKey([app, user], '10.0.0.1', 22, third).kind).toBe('trusted');
    expect(statSync(app).mode & 0o777).toBe(0o600);
    expect(readFileSync(user, 'utf8')).toContain(key.blob.toString('base64'));
  });

  it('replaces only the re-trusted host in the app file, keeping every other line', () => {
    const file = join(tempDir(), 'known_hosts');
    writeFileSync(file, `${line('10.0.0.1', key)}\n${line('[10.0.0.2]:2222', key)}\n`);
    replaceHostKey(file, '10.0.0.2', 2222, other);
    expect(verifyHostKey([file], '10.0.0.2', 2222, other).kind).toBe('trusted');
    expect(verifyHostKey([file], '10.0.0.2', 2222, key).kind).toBe('mismatch');
    expect(verifyHostKey([file], '10.0.0.1', 22, key).kind).toBe('trusted');
  });

  it('calls a key of another type a mismatch where the host has a known key, naming the known one', () => {
    const file = join(tempDir(), 'known_hosts');
    const rsa = rsaKey();
    expect(keyTypeOfBlob(rsa.blob)).toBe('ssh-rsa');
    writeFileSync(file, `${line('10.0.0.1', key)}\n${line('10.0.0.2', rsa)}\n`);
    expect(verifyHostKey([file], '10.0.0.1', 22, rsa)).toEqual({ kind: 'mismatch', file, knownFingerprints: [fingerprint(key.blob)] });
    expect(verifyHostKey([file], '10.0.0.2', 22, key)).toEqual({ kind: 'mismatch', file, knownFingerprints: [fingerprint(rsa.blob)] });
    // A key of the same type that differs is named before keys of other types.
    const oldRsa = rsaKey();
    writeFileSync(file, `${line('10.0.0.1', key)}\n${line('10.0.0.1', oldRsa)}\n`);
    expect(verifyHostKey([file], '10.0.0.1', 22, rsa)).toEqual({ kind: 'mismatch', file, knownFingerprints: [fingerprint(oldRsa.blob)] });
    expect(verifyHostKey([file], '10.0.0.3', 22, rsa).kind).toBe('unknown');
  });

  it('lists the key types known for a host, plain entries only', () => {
    const dir = tempDir();
    const app = join(dir, 'app');
    const user = join(dir, 'user');
    const rsa = rsaKey();
    writeFileSync(app, `${line('[10.0.0.1]:2222', rsa)}\n`);
    writeFileSync(
      user,
      [
        line(hashedName('[10.0.0.1]:2222'), key),
        line('[10.0.0.1]:2222', rsa),
        `@cert-authority * ${line('', other).trim()}`,
        `@revoked * ${line('', other).trim()}`,
      ].join('\n'),
    );
    expect(knownHostKeyTypes([app, user], '10.0.0.1', 2222)).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(knownHostKeyTypes([app, user], '10.0.0.1', 22)).toEqual([]);
  });

  it("offers the host key algorithms of known types first, in ssh2's default order otherwise", () => {
    expect(HOST_KEY_ALGORITHMS).toEqual(DEFAULT_SERVER_HOST_KEY);
    expect(preferredHostKeyAlgorithms([])).toEqual(DEFAULT_SERVER_HOST_KEY);
    expect(preferredHostKeyAlgorithms(['ssh-rsa'])).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
    ]);
    expect(preferredHostKeyAlgorithms(['ssh-rsa', 'ecdsa-sha2-nistp384']).slice(0, 4)).toEqual([
      'ecdsa-sha2-nistp384',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    // A type ssh2 cannot negotiate changes nothing.
    expect(preferredHostKeyAlgorithms(['ssh-dss'])).toEqual(DEFAULT_SERVER_HOST_KEY);
  });

  it('matches host names case-insensitively, hashed entries through the lowercased name as OpenSSH hashes it', () => {
    const file = join(tempDir(), 'known_hosts');
    // What ssh writes for `ssh GPU-01.Example.com` with HashKnownHosts yes: the lowercased name.
    writeFileSync(
      file,
      [line(hashedName('gpu-01.example.com'), key), line(hashedName('[gpu-02.example.com]:2222'), key), line('GPU-03.example.COM', key)].join('\n'),
    );
    expect(verifyHostKey([file], 'GPU-01.Example.com', 22, key).kind).toBe('trusted');
    expect(verifyHostKey([file], 'gpu-01.example.com', 22, key).kind).toBe('trusted');
    expect(verifyHostKey([file], 'GPU-02.EXAMPLE.COM', 2222, key).kind).toBe('trusted');
    expect(verifyHostKey([file], 'gpu-03.example.com', 22, key).kind).toBe('trusted');
    expect(verifyHostKey([file], 'GPU-01.Example.com', 22, other).kind).toBe('mismatch');
    expect(knownHostKeyTypes([file], 'Gpu-01.example.com', 22)).toEqual(['ssh-ed25519']);
  });

  it('never trusts a key through a @cert-authority line, and keeps such lines when re-trusting', () => {
    const file = join(tempDir(), 'known_hosts');
    // The very key the host presents, listed as a CA: still not a known host key.
    writeFileSync(file, `@cert-authority *.cluster.local,10.0.0.1 ${key.type} ${key.blob.toString('base64')}\n`);
    expect(verifyHostKey([file], 'node1.cluster.local', 22, key)).toEqual({ kind: 'unknown', certAuthorityFile: file });
    expect(verifyHostKey([file], '10.0.0.1', 22, key)).toEqual({ kind: 'unknown', certAuthorityFile: file });
    expect(verifyHostKey([file], '10.0.0.2', 22, key)).toEqual({ kind: 'unknown' });
    expect(knownHostKeyTypes([file], '10.0.0.1', 22)).toEqual([]);
    replaceHostKey(file, '10.0.0.1', 22, other);
    expect(readFileSync(file, 'utf8')).toContain('@cert-authority *.cluster.local,10.0.0.1 ');
    expect(verifyHostKey([file], '10.0.0.1', 22, other).kind).toBe('trusted');
    expect(verifyHostKey([file], '10.0.0.1', 22, key).kind).toBe('mismatch');
  });

  it('refuses a @revoked key even where another file trusts it, through hashed and mixed-case names too', () => {
    const dir = tempDir();
    const app = join(dir, 'app_known_hosts');
    const user = join(dir, 'user_known_hosts');
    trustHostKey(app, 'gpu-01', 22, key);
    expect(verifyHostKey([app, user], 'gpu-01', 22, key).kind).toBe('trusted');
    writeFileSync(user, `@revoked ${hashedName('gpu-01')} ${key.type} ${key.blob.toString('base64')}\n`);
    expect(verifyHostKey([app, user], 'GPU-01', 22, key)).toEqual({ kind: 'revoked', file: user });
    expect(verifyHostKey([user, app], 'gpu-01', 22, key)).toEqual({ kind: 'revoked', file: user });
    // Re-trusting rewrites the app's own lines and leaves the revocation where it is.
    replaceHostKey(app, 'gpu-01', 22, key);
    expect(verifyHostKey([app, user], 'gpu-01', 22, key).kind).toBe('revoked');
    // A revocation in the app's own file survives a re-trust of another key.
    writeFileSync(app, `@revoked * ${other.type} ${other.blob.toString('base64')}\n`);
    replaceHostKey(app, 'gpu-02', 22, other);
    expect(verifyHostKey([app], 'gpu-02', 22, other).kind).toBe('revoked');
  });

  it('treats a missing file as empty', () => {
    expect(verifyHostKey([join(tempDir(), 'none')], 'h', 22, key).kind).toBe('unknown');
  });
});
