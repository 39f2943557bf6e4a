/**
 * Files and folders a lab host sees in place of this machine's (bound over them in its own mount
 * namespace only). A compliance audit reads modes and owners too, so a fake file may carry them:
 * the bind mount shows the source file's inode, hence its mode and owner, at the target.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file's content with the mode and owner it shows (default 0644, root:root). */
export interface FakeFile {
  /** Text, or bytes (a compressed apt index). */
  content: string | Buffer;
  /** Permission bits, e.g. 0o640. */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A folder bound over an existing one: its only entries are `files` (names, not paths). */
export interface FakeDir {
  /** Default 0755. */
  mode?: number;
  uid?: number;
  gid?: number;
  files?: Record<string, string | FakeFile>;
}

export function asFakeFile(value: string | FakeFile): FakeFile {
  return typeof value === 'string' ? { content: value } : value;
}

function checkMode(what: string, mode: number | undefined): void {
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) throw new Error(`${what}: mode ${mode} is not a permission number`);
}

function checkId(what: string, id: number | undefined): void {
  if (id !== undefined && (!Number.isInteger(id) || id < 0 || id > 0xfffffffe)) throw new Error(`${what}: ${id} is not a uid/gid`);
}

export function checkFakeFile(what: string, file: FakeFile): void {
  if (typeof file.content !== 'string' && !Buffer.isBuffer(file.content)) throw new Error(`${what}: content must be a string or a Buffer`);
  checkMode(what, file.mode);
  checkId(what, file.uid);
  checkId(what, file.gid);
}

export function checkFakeDir(what: string, dir: FakeDir): void {
  checkMode(what, dir.mode);
  checkId(what, dir.uid);
  checkId(what, dir.gid);
  for (const [name, file] of Object.entries(dir.files ?? {})) {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new Error(`${what}: ${JSON.stringify(name)} is not a plain file name`);
    checkFakeFile(`${what}/${name}`, asFakeFile(file));
  }
}

/** Writes `file` at `path` (in place: a bind mount holds this inode) with its mode and owner. */
export function writeFakeFileAt(path: string, file: FakeFile): void {
  writeFileSync(path, file.content);
  chmodSync(path, file.mode ?? 0o644);
  chownSync(path, file.uid ?? 0, file.gid ?? 0);
}

/** Creates `path` holding the folder's files, with its mode and owner. */
export function writeFakeDirAt(path: string, dir: FakeDir): void {
  mkdirSync(path, { recursive: true });
  for (const [name, file] of Object.entries(dir.files ?? {})) writeFakeFileAt(join(path, name), asFakeFile(file));
  chmodSync(path, dir.mode ?? 0o755);
  chownSync(path, dir.uid ?? 0, dir.gid ?? 0);
}
