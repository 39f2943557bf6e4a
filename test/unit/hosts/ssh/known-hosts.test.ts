import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, keyTypeOfBlob, knownHostsName, replaceHostKey, trustHostKey, verifyHostKey, type HostKey } from '../../../../electron/core/hosts/ssh/known-hosts';
import { ed25519Key } from '../../../helpers/host-keys';
import { tempDir } from '../../../helpers/tmp';

const line = (name: string, key: HostKey) => `${name} ${key.type} ${key.blob.toString('base64')}`;

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

  it('treats a missing file as empty', () => {
    expect(verifyHostKey([join(tempDir(), 'none')], 'h', 22, key).kind).toBe('unknown');
  });
});
