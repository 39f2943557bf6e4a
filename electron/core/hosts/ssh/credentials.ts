/**
 * Private keys and passphrases for SSH nodes. Keys stay in their files; a passphrase is asked
 * once and kept only in a SecretStore (the desktop's is Electron safeStorage, i.e. the OS
 * keychain); passwords are never used or stored.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import type { SshCredentials } from './ssh-connection';

/** Where secrets live. `available` is false where nothing can be kept safely (CLI, no keychain). */
export interface SecretStore {
  readonly available: boolean;
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/** For serve and the CLI: nothing is kept; use ssh-agent for encrypted keys. */
export const noSecretStore: SecretStore = {
  available: false,
  get: () => null,
  set: () => {
    throw new Error('passphrases can only be kept by the desktop app (OS keychain); load the key into ssh-agent instead');
  },
  delete: () => {},
};

export class PassphraseNeededError extends Error {
  constructor(readonly keyPath: string) {
    super(`the private key ${keyPath} is encrypted: enter its passphrase once in the app, or load it into ssh-agent`);
    this.name = 'PassphraseNeededError';
  }
}

export const passphraseSecretName = (keyPath: string) => `ssh-key-passphrase:${keyPath}`;

/** ~ and ~/ as OpenSSH expands them in IdentityFile. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/**
 * Reads the node's key files; an encrypted one needs its passphrase from the store. Missing key
 * files are skipped (OpenSSH skips them too) so a default IdentityFile list does not fail.
 */
export async function loadCredentials(identityFiles: readonly string[], useAgent: boolean, secrets: SecretStore): Promise<SshCredentials> {
  const privateKeys: SshCredentials['privateKeys'] = [];
  let firstProblem: Error | null = null;
  for (const file of identityFiles) {
    const path = expandHome(file);
    let key: Buffer;
    try {
      key = await readFile(path);
    } catch {
      continue;
    }
    const parsed = utils.parseKey(key);
    if (!(parsed instanceof Error)) {
      privateKeys.push({ path, key });
      continue;
    }
    if (!/no passphrase given/i.test(parsed.message)) {
      firstProblem ??= new Error(`${path} is not a usable private key: ${parsed.message}`);
      continue;
    }
    const passphrase = secrets.get(passphraseSecretName(path));
    if (passphrase === null) {
      firstProblem ??= new PassphraseNeededError(path);
      continue;
    }
    const withPassphrase = utils.parseKey(key, passphrase);
    if (withPassphrase instanceof Error) {
      firstProblem ??= new Error(`the stored passphrase for ${path} does not open it: enter it again`);
      continue;
    }
    privateKeys.push({ path, key, passphrase });
  }
  const agent = useAgent ? process.env.SSH_AUTH_SOCK || undefined : undefined;
  if (privateKeys.length === 0 && !agent) {
    throw firstProblem ?? new Error(`no usable key: none of ${identityFiles.join(', ') || '(no IdentityFile)'} could be read and no ssh-agent is running`);
  }
  return { privateKeys, agent };
}
