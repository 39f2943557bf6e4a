import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../electron/core/log';
import { KeychainSecretStore } from '../../../electron/main/secret-store';
import { tempDir } from '../../helpers/tmp';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

beforeEach(() => electron.resetFakeElectron());

describe('passphrases in the OS keychain (safeStorage)', () => {
  it('keeps only ciphertext on disk, owner-only, and gives the passphrase back', () => {
    const file = join(tempDir(), 'secrets.json');
    const store = new KeychainSecretStore(file, silentLogger);
    expect(store.available).toBe(true);
    store.set('ssh-key-passphrase:/home/u/.ssh/id_ed25519', 'correct horse battery staple');
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('correct horse');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new KeychainSecretStore(file, silentLogger).get('ssh-key-passphrase:/home/u/.ssh/id_ed25519')).toBe('correct horse battery staple');
  });

  it('stores nothing where no real keychain backs safeStorage', () => {
    electron.safeStorage.backend = 'basic_text';
    const store = new KeychainSecretStore(join(tempDir(), 'secrets.json'), silentLogger);
    if (process.platform === 'linux') {
      expect(store.available).toBe(false);
      expect(() => store.set('x', 'secret')).toThrow(/ssh-agent/);
    }
    electron.safeStorage.available = false;
    const none = new KeychainSecretStore(join(tempDir(), 'secrets.json'), silentLogger);
    expect(none.available).toBe(false);
    expect(none.get('x')).toBeNull();
  });

  it('starts empty on a damaged file, and asks again for a value it cannot decrypt', () => {
    const file = join(tempDir(), 'secrets.json');
    writeFileSync(file, '{not json');
    expect(new KeychainSecretStore(file, silentLogger).get('a')).toBeNull();
    writeFileSync(file, JSON.stringify({ a: Buffer.from('garbage').toString('base64'), __proto__: 'x' }));
    const store = new KeychainSecretStore(file, silentLogger);
    expect(store.get('a')).toBeNull();
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });
});
