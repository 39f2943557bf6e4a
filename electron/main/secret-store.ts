/**
 * Passphrases of SSH keys, kept only encrypted by the OS keychain through Electron's
 * safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux). The file holds
 * ciphertext only. Where no real keychain backs safeStorage (Linux without a secret service,
 * where Electron would fall back to a hard-coded key), nothing is stored: the user is told to
 * use ssh-agent instead.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { safeStorage } from 'electron';
import type { SecretStore } from '../core/hosts/ssh/credentials';
import type { Logger } from '../core/log';

/** safeStorage backends that are only obfuscation, not a keychain. */
const UNSAFE_BACKENDS = new Set(['basic_text', 'unknown']);

export function keychainAvailable(platform: NodeJS.Platform = process.platform): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  if (platform !== 'linux') return true;
  return !UNSAFE_BACKENDS.has(safeStorage.getSelectedStorageBackend());
}

export class KeychainSecretStore implements SecretStore {
  readonly available: boolean;
  private entries: Record<string, string> = {};

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {
    this.available = keychainAvailable();
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') this.entries[name] = value;
      }
    } catch {
      // No file yet, or a damaged one: start empty (the user is asked again).
    }
  }

  get(name: string): string | null {
    const cipher = Object.prototype.hasOwnProperty.call(this.entries, name) ? this.entries[name] : undefined;
    if (!this.available || cipher === undefined) return null;
    try {
      return safeStorage.decryptString(Buffer.from(cipher, 'base64'));
    } catch (error) {
      this.log.warn(`a stored passphrase could not be decrypted (${(error as Error).message}); it will be asked again`);
      return null;
    }
  }

  set(name: string, value: string): void {
    if (!this.available) throw new Error('no OS keychain is available to keep the passphrase; load the key into ssh-agent instead');
    this.entries[name] = safeStorage.encryptString(value).toString('base64');
    this.save();
  }

  delete(name: string): void {
    delete this.entries[name];
    this.save();
  }

  private save(): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.entries), { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
