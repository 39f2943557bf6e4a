/**
 * OpenSSH known_hosts files: reading (plain, [host]:port, wildcard and negated patterns, hashed
 * `|1|salt|hash` entries, @revoked markers) and verifying a presented host key against them.
 * Host names match case-insensitively, as in OpenSSH. @cert-authority lines are read but never
 * trust anything: the app does not do certificate host authentication, so a CA's key must not
 * pass for a host's own. The app keeps its own file, which it appends to when the user trusts a
 * key; the user's ~/.ssh/known_hosts is only ever read.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface HostKey {
  /** Key type as OpenSSH names it: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ... */
  type: string;
  /** The public key blob (what the base64 field of known_hosts decodes to). */
  blob: Buffer;
}

export type HostKeyVerdict =
  | { kind: 'trusted'; file: string }
  /** certAuthorityFile: a @cert-authority line names the host (its keys are meant to be certified). */
  | { kind: 'unknown'; certAuthorityFile?: string }
  | { kind: 'mismatch'; file: string; knownFingerprints: string[] }
  | { kind: 'revoked'; file: string };

interface KnownHostsEntry {
  marker: '@revoked' | '@cert-authority' | null;
  /** Matches "host" or "[host]:port" as OpenSSH writes the name. */
  matches(name: string): boolean;
  type: string;
  blob: Buffer;
}

/** OpenSSH's SHA256 fingerprint: "SHA256:" + unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type recorded inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return '';
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : '';
}

/** How OpenSSH names a host in known_hosts: plain for port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Pattern list "a,b,!c" as OpenSSH matches it: a negated match vetoes, else any positive match. */
function patternMatcher(field: string): (name: string) => boolean {
  const patterns = field.split(',').filter(Boolean);
  const positive = patterns.filter((p) => !p.startsWith('!')).map(globToRegExp);
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)));
  return (name) => !negative.some((re) => re.test(name)) && positive.some((re) => re.test(name));
}

/** OpenSSH lowercases host names (ASCII only) before it hashes or matches them. */
function lowercaseHost(name: string): string {
  return name.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/**
 * `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` as written with HashKnownHosts yes, of the
 * lowercased name: a node configured as GPU-01 matches the entry ssh wrote for it.
 */
function hashedMatcher(field: string): ((name: string) => boolean) | null {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return null;
  const salt = Buffer.from(parts[2]!, 'base64');
  const hash = Buffer.from(parts[3]!, 'base64');
  if (salt.length === 0 || hash.length !== 20) return null;
  // The same few names are looked up at every handshake: remember the answers.
  const answers = new Map<string, boolean>();
  return (name) => {
    let answer = answers.get(name);
    if (answer === undefined) {
      answer = createHmac('sha1', salt).update(lowercaseHost(name)).digest().equals(hash);
      if (answers.size >= 64) answers.clear();
      answers.set(name, answer);
    }
    return answer;
  };
}

/** Parses known_hosts text; malformed lines are skipped (OpenSSH does the same). */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostsEntry['marker'];
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) continue;
    const blob = Buffer.from(key, 'base64');
    if (blob.length === 0 || keyTypeOfBlob(blob) !== type) continue;
    const matches = hosts.startsWith('|') ? hashedMatcher(hosts) : patternMatcher(hosts);
    if (!matches) continue;
    entries.push({ marker, matches, type, blob });
  }
  return entries;
}

/**
 * Parsed files, kept while the file's identity, size and times stay the same: every handshake
 * verifies against them, and the user's file can be long (and hashed). Our own writes forget
 * the file at once.
 */
const RACY_MS = 2_000;
const parsedFiles = new Map<string, { stamp: string; entries: KnownHostsEntry[] }>();

/** Forgets what was read of a known_hosts file (after writing it). */
function forgetKnownHostsFile(path: string): void {
  parsedFiles.delete(path);
}

function readEntries(path: string): KnownHostsEntry[] {
  try {
    const stat = statSync(path, { bigint: true });
    const stamp = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
    const cached = parsedFiles.get(path);
    if (cached?.stamp === stamp) return cached.entries;
    const entries = parseKnownHosts(readFileSync(path, 'utf8'));
    // A file changed within the file system's timestamp granularity of the read could change
    // again without its stamp changing (git's "racy clean"): such a file is read again next time.
    if (Date.now() - Number(stat.mtimeMs) > RACY_MS) parsedFiles.set(path, { stamp, entries });
    else parsedFiles.delete(path);
    return entries;
  } catch (error) {
    parsedFiles.delete(path);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The verdict for a presented key, checking files in order. A key listed as @revoked anywhere is
 * refused. A host listed with other keys and not this one is a mismatch, whatever their type:
 * OpenSSH would ask as for a new host when the type differs, but the connection negotiates the
 * known types first (see knownHostKeyTypes), so a host that presents another type offers none
 * of the known ones any more, which is what a changed key looks like too.
 */
export function verifyHostKey(files: readonly string[], host: string, port: number, key: HostKey): HostKeyVerdict {
  const names = port === 22 ? [host] : [knownHostsName(host, port)];
  let sameType: { file: string; fingerprints: string[] } | null = null;
  let otherType: { file: string; fingerprints: string[] } | null = null;
  let trusted: string | null = null;
  let certAuthorityFile: string | null = null;
  for (const file of files) {
    for (const entry of readEntries(file)) {
      if (!names.some((n) => entry.matches(n))) continue;
      if (entry.marker === '@cert-authority') {
        certAuthorityFile ??= file;
        continue;
      }
      if (entry.marker === '@revoked') {
        if (entry.blob.equals(key.blob)) return { kind: 'revoked', file };
        continue;
      }
      if (entry.blob.equals(key.blob)) {
        trusted ??= file;
        continue;
      }
      const known = entry.type === key.type ? (sameType ??= { file, fingerprints: [] }) : (otherType ??= { file, fingerprints: [] });
      known.fingerprints.push(fingerprint(entry.blob));
    }
  }
  if (trusted !== null) return { kind: 'trusted', file: trusted };
  const known = sameType ?? otherType;
  if (known !== null) return { kind: 'mismatch', file: known.file, knownFingerprints: known.fingerprints };
  return certAuthorityFile !== null ? { kind: 'unknown', certAuthorityFile } : { kind: 'unknown' };
}

/**
 * The key types known for a host (plain entries, in file order, without duplicates): the
 * connection offers their algorithms first, as OpenSSH orders HostKeyAlgorithms, so a host that
 * has a known key is checked against it.
 */
export function knownHostKeyTypes(files: readonly string[], host: string, port: number): string[] {
  const names = port === 22 ? [host] : [knownHostsName(host, port)];
  const types = new Set<string>();
  for (const file of files) {
    for (const entry of readEntries(file)) {
      if (entry.marker === null && names.some((n) => entry.matches(n))) types.add(entry.type);
    }
  }
  return [...types];
}

/** Adds a trusted key to the app's own known_hosts (created 0600). */
export function trustHostKey(file: string, host: string, port: number, key: HostKey): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const line = `${knownHostsName(host, port)} ${key.type} ${key.blob.toString('base64')}\n`;
  const isNew = !existsSync(file);
  appendFileSync(file, line, { mode: 0o600 });
  if (isNew) chmodSync(file, 0o600);
  forgetKnownHostsFile(file);
}

/**
 * Replaces every key the app's file holds for a host with a new one: the explicit re-trust after
 * a host key change. Other hosts' lines are kept byte for byte; the file is replaced atomically.
 */
export function replaceHostKey(file: string, host: string, port: number, key: HostKey): void {
  const name = knownHostsName(host, port);
  let kept: string[] = [];
  try {
    kept = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => {
        const [entry] = parseKnownHosts(line);
        return !(entry && entry.marker === null && entry.matches(name));
      });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  kept.push(`${name} ${key.type} ${key.blob.toString('base64')}`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${kept.join('\n')}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  forgetKnownHostsFile(file);
}
