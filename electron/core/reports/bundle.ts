/**
 * The export bundle an auditor hands over: a folder with the chosen reports (at its top, so the
 * OSCAL report's relative links resolve), each result's full evidence as JSON and each probe
 * output kept whole as evidence/<sha256>.txt (evidence/), the attestations' attachments
 * (attachments/<sha256>), manifest.json listing every one of those files with
 * its SHA-256 and size, manifest.sig (the Ed25519 signature of manifest.json's exact bytes) and
 * public-key.pem (the installation's public key). verifyBundle recomputes every sum, names each
 * changed, missing or added file, and checks the signature against a trusted key when given
 * (else against the bundle's own key, whose fingerprint the caller should show: a forger can
 * re-sign with a key of their own, never with the installation's).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { BundleSigner } from './install-key';
import { publicKeyFingerprint } from './install-key';
import type { ReportFile } from './types';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const PUBLIC_KEY_FILE = 'public-key.pem';
export const BUNDLE_FORMAT = 'clusterdeck-bundle/1';

const EVIDENCE_DIR = 'evidence';
const ATTACHMENTS_DIR = 'attachments';
/** The only paths a manifest may list: one safe name at the top or in one of the two folders. */
const LISTED_PATH = /^(?:(?:evidence|attachments)\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_NAME = 120;
/** Bounds on what verify reads from a bundle it did not write. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const MAX_DEPTH = 8;

export interface BundleFileEntry {
  path: string;
  sha256: string;
  bytes: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  signature: { algorithm: 'Ed25519'; file: typeof SIGNATURE_FILE; publicKeyFile: typeof PUBLIC_KEY_FILE; publicKeySha256: string };
  files: BundleFileEntry[];
}

export interface EvidenceFile {
  name: string;
  bytes: Uint8Array;
}

export interface BundleVerification {
  /** Every listed file intact, nothing added, the manifest readable and its signature valid. */
  ok: boolean;
  changed: string[];
  missing: string[];
  added: string[];
  signatureValid: boolean;
  /** SHA-256 of the key the signature was checked against (the trusted one, else the bundle's). */
  publicKeySha256: string | null;
  /** Whether that key was given by the caller rather than read from the bundle. */
  trustedKey: boolean;
  /** What kept the bundle from being checked in full (no manifest, a bad entry, ...). */
  problems: string[];
}

/** A name safe on every file system: letters, digits, '.', '_', '-'; never hidden, never '..' alone, bounded. */
export function safeFileName(name: string): string {
  let safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '');
  if (safe.length > MAX_NAME) {
    const dot = safe.lastIndexOf('.');
    const extension = dot > 0 && safe.length - dot <= 10 ? safe.slice(dot) : '';
    safe = safe.slice(0, MAX_NAME - extension.length) + extension;
  }
  return safe || 'file';
}

/** The evidence file of one result: `<node>--<check>.json`, made safe. */
export function evidenceFileName(nodeId: string, checkId: string): string {
  return `${nodeId}--${checkId}.json`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `name` made safe and unique in `taken` (a-b.json, a-b-2.json, ...). */
function uniqueName(name: string, taken: Set<string>): string {
  const safe = safeFileName(name);
  const dot = safe.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ''];
  let candidate = safe;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${extension}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/**
 * Writes the bundle into `dir` (created; refused when it already holds anything, so nothing stray
 * is signed or later reported as added). Returns the manifest.
 */
export function writeBundle(options: {
  dir: string;
  files: readonly ReportFile[];
  evidence: readonly EvidenceFile[];
  attachments?: readonly EvidenceFile[];
  signer: BundleSigner;
  now?: Date;
}): BundleManifest {
  const { dir, signer } = options;
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: a bundle is written into a new or empty folder`);
  mkdirSync(join(dir, EVIDENCE_DIR), { recursive: true, mode: 0o700 });
  const attachments = options.attachments ?? [];
  if (attachments.length) mkdirSync(join(dir, ATTACHMENTS_DIR), { recursive: true, mode: 0o700 });
  const entries: BundleFileEntry[] = [];
  const put = (folder: string | null, taken: Set<string>, name: string, bytes: Uint8Array): void => {
    const file = uniqueName(name, taken);
    const path = folder ? `${folder}/${file}` : file;
    writeFileSync(join(dir, path), bytes, { mode: 0o600, flag: 'wx' });
    entries.push({ path, sha256: sha256(bytes), bytes: bytes.length });
  };
  // The bundle's own files and folders are never a report's name.
  const topNames = new Set([MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE, EVIDENCE_DIR, ATTACHMENTS_DIR]);
  for (const file of options.files) put(null, topNames, file.fileName, file.bytes);
  const evidenceNames = new Set<string>();
  for (const file of options.evidence) put(EVIDENCE_DIR, evidenceNames, file.name, file.bytes);
  const attachmentNames = new Set<string>();
  for (const file of attachments) put(ATTACHMENTS_DIR, attachmentNames, file.name, file.bytes);

  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    createdAt: (options.now ?? new Date()).toISOString(),
    signature: { algorithm: 'Ed25519', file: SIGNATURE_FILE, publicKeyFile: PUBLIC_KEY_FILE, publicKeySha256: publicKeyFingerprint(signer.publicKeyPem) },
    files: entries,
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  writeFileSync(join(dir, MANIFEST_FILE), manifestBytes, { mode: 0o600, flag: 'wx' });
  writeFileSync(join(dir, SIGNATURE_FILE), signer.sign(manifestBytes), { mode: 0o600, flag: 'wx' });
  writeFileSync(join(dir, PUBLIC_KEY_FILE), signer.publicKeyPem, { mode: 0o644, flag: 'wx' });
  return manifest;
}

/** SHA-256 and size of a regular file, read without following a link; null when it is not one. */
function hashRegularFile(path: string): { sha256: string; bytes: number } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let total = 0;
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      hash.update(buffer.subarray(0, read));
      total += read;
    }
    return { sha256: hash.digest('hex'), bytes: total };
  } finally {
    closeSync(fd);
  }
}

/** Every non-folder entry under dir as a '/'-joined relative path (links not followed), bounded. */
function listEntries(dir: string, problems: string[]): string[] {
  const found: string[] = [];
  const walk = (relative: string, depth: number): void => {
    if (depth > MAX_DEPTH) {
      problems.push(`${relative}: folders nested too deep`);
      return;
    }
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      if (found.length >= MAX_ENTRIES) {
        problems.push(`more than ${MAX_ENTRIES} files`);
        return;
      }
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path, depth + 1);
      else found.push(path);
    }
  };
  walk('', 0);
  return found;
}

function readBounded(path: string): Buffer | null {
  try {
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) return null;
    return readFileSync(path);
  } catch {
    return null;
  }
}

function parseManifest(bytes: Buffer, problems: string[]): BundleManifest | null {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    problems.push(`${MANIFEST_FILE} is not valid JSON`);
    return null;
  }
  const manifest = value as Partial<BundleManifest> | null;
  if (!manifest || typeof manifest !== 'object' || manifest.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files)) {
    problems.push(`${MANIFEST_FILE} is not a ${BUNDLE_FORMAT} manifest`);
    return null;
  }
  return manifest as BundleManifest;
}

function publicKeyOf(pem: string | Buffer): KeyObject | null {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** Checks a bundle folder: every listed file's sum and size, files not listed, and the manifest's signature. */
export function verifyBundle(dir: string, trustedPublicKey?: string | Buffer): BundleVerification {
  const result: BundleVerification = {
    ok: false,
    changed: [],
    missing: [],
    added: [],
    signatureValid: false,
    publicKeySha256: null,
    trustedKey: false,
    problems: [],
  };
  try {
    if (!lstatSync(dir).isDirectory()) throw new Error('not a folder');
  } catch (error) {
    result.problems.push(`${dir}: not a folder (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message})`);
    return result;
  }

  const manifestBytes = readBounded(join(dir, MANIFEST_FILE));
  if (!manifestBytes) result.problems.push(`${MANIFEST_FILE} is missing or not a file`);
  const signature = readBounded(join(dir, SIGNATURE_FILE));
  if (!signature) result.problems.push(`${SIGNATURE_FILE} is missing or not a file`);

  // The signature: against the trusted key when given, else the bundle's own.
  let key: KeyObject | null = null;
  if (trustedPublicKey !== undefined) {
    key = publicKeyOf(trustedPublicKey);
    if (!key) result.problems.push('the trusted public key is not an Ed25519 public key');
    result.trustedKey = key !== null;
  } else {
    const pem = readBounded(join(dir, PUBLIC_KEY_FILE));
    key = pem ? publicKeyOf(pem) : null;
    if (!key) result.problems.push(`${PUBLIC_KEY_FILE} is missing or not an Ed25519 public key`);
  }
  if (key) result.publicKeySha256 = publicKeyFingerprint(key);
  if (key && manifestBytes && signature) {
    try {
      result.signatureValid = verify(null, manifestBytes, key, signature);
    } catch {
      result.signatureValid = false;
    }
  }

  const manifest = manifestBytes ? parseManifest(manifestBytes, result.problems) : null;
  if (manifest) {
    const listed = new Set<string>();
    for (const entry of manifest.files as unknown[]) {
      const file = entry as Partial<BundleFileEntry> | null;
      if (!file || typeof file.path !== 'string' || !LISTED_PATH.test(file.path) || typeof file.sha256 !== 'string' || typeof file.bytes !== 'number') {
        result.problems.push(`${MANIFEST_FILE} lists an entry that is not a file of a bundle: ${JSON.stringify(file?.path ?? entry).slice(0, 200)}`);
        continue;
      }
      listed.add(file.path);
      const absolute = join(dir, file.path);
      let exists = true;
      try {
        lstatSync(absolute);
      } catch {
        exists = false;
      }
      if (!exists) {
        result.missing.push(file.path);
        continue;
      }
      const actual = hashRegularFile(absolute);
      if (!actual || actual.sha256 !== file.sha256 || actual.bytes !== file.bytes) result.changed.push(file.path);
    }
    // The bundle's public key is the one the manifest names (a swapped key file is a changed file).
    const pem = readBounded(join(dir, PUBLIC_KEY_FILE));
    const bundledKey = pem ? publicKeyOf(pem) : null;
    if (!pem) result.missing.push(PUBLIC_KEY_FILE);
    else if (!bundledKey || publicKeyFingerprint(bundledKey) !== manifest.signature?.publicKeySha256) result.changed.push(PUBLIC_KEY_FILE);
    const own = new Set([MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE]);
    for (const path of listEntries(dir, result.problems)) if (!listed.has(path) && !own.has(path)) result.added.push(path);
  }
  for (const list of [result.changed, result.missing, result.added]) list.sort();
  result.ok =
    result.signatureValid && manifest !== null && result.problems.length === 0 && result.changed.length + result.missing.length + result.added.length === 0;
  return result;
}
