/**
 * The installation's Ed25519 key pair, which signs export bundles. Created once in the data
 * folder (beside the database), the private key as PKCS#8 PEM with mode 0600 and refused when
 * others may read it, the way ssh treats its private keys: it is protected by file permissions,
 * not encrypted. The private key never leaves this module: callers get a signer.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultDataDir } from '../paths';

export const INSTALL_PRIVATE_KEY_FILE = 'installation-key.pem';
export const INSTALL_PUBLIC_KEY_FILE = 'installation-key.pub.pem';

/** Signs bytes with the installation's key; knows its public key (SPKI PEM). */
export interface BundleSigner {
  readonly publicKeyPem: string;
  sign(bytes: Uint8Array): Uint8Array;
}

export class InstallKeyError extends Error {}

/** The folder the key lives in: beside the database file, or the data folder for an in-memory one. */
export function installKeyDir(dbPath?: string): string {
  return dbPath === undefined || dbPath === ':memory:' ? defaultDataDir() : dirname(dbPath);
}

export function installKeyFiles(dir: string): { privateKey: string; publicKey: string } {
  return { privateKey: join(dir, INSTALL_PRIVATE_KEY_FILE), publicKey: join(dir, INSTALL_PUBLIC_KEY_FILE) };
}

/** SHA-256 of the public key's DER (SPKI) bytes, in hex: what an auditor compares. */
export function publicKeyFingerprint(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Writes the new private key under its final name only if none is there (link fails on EEXIST): never overwrites a key. */
function createPrivateKeyFile(path: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process created it first: use theirs.
  } finally {
    unlinkSync(temporary);
  }
}

function readPrivateKey(path: string): KeyObject {
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      throw new InstallKeyError(
        `permissions ${mode.toString(8).padStart(4, '0')} for ${path} are too open: the installation's private key must be readable by you only (chmod 600 ${path})`,
      );
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch {
    // Never echo the file's contents.
    throw new InstallKeyError(`${path} is not a readable private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InstallKeyError(`${path} is not an Ed25519 key`);
  return key;
}

/** The installation's key in `dir`, created there (0700 folder, 0600 key) the first time. */
export function loadOrCreateInstallKey(dir: string): BundleSigner {
  const files = installKeyFiles(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(files.privateKey)) createPrivateKeyFile(files.privateKey);
  const privateKey = readPrivateKey(files.privateKey);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  // The public half beside it, to hand to whoever verifies bundles; rewritten if it went astray.
  if (!existsSync(files.publicKey) || readFileSync(files.publicKey, 'utf8') !== publicKeyPem) writeFileSync(files.publicKey, publicKeyPem, { mode: 0o644 });
  return {
    publicKeyPem,
    sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)),
  };
}
