/**
 * Writes Settings changes into config.yaml the way a person would: only the changed keys are
 * touched, so the user's comments, key order and other keys stay as they wrote them. The new
 * text is validated before anything reaches the disk, and the file is replaced atomically.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  fchmodSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { isMap, parseDocument, type Document } from 'yaml';
import type { Config, SettingsPatch } from '../../shared/config';
import { ConfigError, parseConfig } from './config';

/** A config file is edited by hand; one larger than this is not one we rewrite. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

type PatchValue = SettingsPatch[keyof SettingsPatch];
type Path = readonly string[];

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sets (or, for null, removes) every leaf of the patch under `path`, creating maps on the way. */
function applyObject(doc: Document, path: Path, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const at = [...path, key];
    if (value === null) {
      // Every nullable setting defaults to null: removing the key clears it and keeps the file short.
      doc.deleteIn(at);
    } else if (isPlainObject(value)) {
      // A nested setting (webhook, quietHours) merges into the map the file has, or replaces a
      // scalar there (`webhook: null`).
      if (!isMap(doc.getIn(at, true))) doc.setIn(at, doc.createNode({}));
      applyObject(doc, at, value);
    } else {
      doc.setIn(at, value);
    }
  }
}

/** Removes the maps the patch left empty (a section whose only key was cleared), unless they carry a comment. */
function dropEmptySections(doc: Document, patch: Record<string, unknown>, path: Path = []): void {
  for (const [key, value] of Object.entries(patch)) {
    if (!isPlainObject(value)) continue;
    const at = [...path, key];
    dropEmptySections(doc, value, at);
    const node = doc.getIn(at, true);
    if (isMap(node) && node.items.length === 0 && !node.comment && !node.commentBefore) doc.deleteIn(at);
  }
}

/** Whether every leaf of the patch holds in the config (null: the setting is cleared). */
function patchHolds(config: unknown, patch: unknown): boolean {
  if (!isPlainObject(patch)) return config === patch;
  if (!isPlainObject(config)) return false;
  return Object.entries(patch).every(([key, value]) => value === undefined || patchHolds(config[key], value));
}

/** The first setting outside the patch whose value changed (an alias shared it), or null. */
function changedOutsidePatch(before: unknown, after: unknown, patch: Record<string, unknown>, path: Path = []): string | null {
  if (!isPlainObject(before) || !isPlainObject(after)) return null;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const sub = patch[key];
    if (isPlainObject(sub)) {
      const found = changedOutsidePatch(before[key], after[key], sub, [...path, key]);
      if (found) return found;
    } else if (sub === undefined && !isDeepStrictEqual(before[key], after[key])) {
      return [...path, key].join('.');
    }
  }
  return null;
}

/**
 * The config text with the patch applied. Throws ConfigError (nothing to write) when the text
 * is not a valid config now, or the patched text would not be one, naming the field.
 */
export function applyPatchToYaml(text: string, patch: SettingsPatch, path = 'config.yaml'): string {
  // A file that does not parse is the user's to fix: rewriting it would lose what they meant.
  let before: Config;
  try {
    before = parseConfig(text, path);
  } catch (error) {
    throw new ConfigError(path, `${(error as ConfigError).message.slice(path.length + 2)}; fix the file by hand first, it was not changed`);
  }
  const doc = parseDocument(text, { keepSourceTokens: false });
  let next: string;
  try {
    applyObject(doc, [], patch as Record<string, PatchValue>);
    dropEmptySections(doc, patch as Record<string, unknown>);
    next = doc.toString();
  } catch (error) {
    // e.g. a setting reached through an alias (*anchor): the file is left as it is.
    throw new ConfigError(path, `cannot be changed automatically (${(error as Error).message}); edit it by hand`);
  }
  let config: Config;
  try {
    config = parseConfig(next, path);
  } catch (error) {
    throw new ConfigError(path, `the change is refused, the file was not changed: ${(error as ConfigError).message.slice(path.length + 2)}`);
  }
  if (!patchHolds(config, patch)) throw new ConfigError(path, 'the change did not take in the file (an alias or merge key?); edit it by hand');
  const alsoChanged = changedOutsidePatch(before, config, patch as Record<string, unknown>);
  if (alsoChanged) throw new ConfigError(path, `the change would also change ${alsoChanged} (an alias shares the value); edit the file by hand`);
  return next;
}

/** Writes `text` to `path` so that a reader sees the old file or the new one, never a part. */
function writeAtomically(path: string, text: string, mode: number): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    try {
      fchmodSync(fd, mode); // the umask narrowed the mode openSync gave
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never created
    }
    throw error;
  }
  // The rename itself survives a crash once the folder is synced.
  try {
    const dirFd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // some file systems cannot sync a folder; the file itself is synced
  }
}

/**
 * Edits the config file (created, with its folder, when missing): `edit` turns its text into the
 * new text, validating it (throwing ConfigError to leave the file as it was), and the config the
 * file then holds is returned. The file keeps its mode; a new one is private to the user (a
 * webhook URL may carry a token). Settings (this file) and Sources (sources-config-writer.ts)
 * write through here. Throws ConfigError when the file is unreadable or too large.
 */
export function editConfigFile(path: string, edit: (text: string) => string): Config {
  let target = path;
  let text = '';
  let mode = 0o600;
  if (existsSync(path)) {
    try {
      target = realpathSync(path); // a symlinked config.yaml: the file it points to is edited
      const stat = statSync(target);
      if (!stat.isFile()) throw new Error('not a regular file');
      if (stat.size > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
      mode = stat.mode & 0o7777;
      text = readFileSync(target, 'utf8');
    } catch (error) {
      throw new ConfigError(path, `cannot be read (${(error as Error).message}); it was not changed`);
    }
  }
  const next = edit(text);
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeAtomically(target, next, mode);
  } catch (error) {
    throw new ConfigError(path, `cannot be written: ${(error as Error).message}`);
  }
  return parseConfig(next, path);
}

/**
 * Applies the patch to the config file and returns the config it now holds. Throws ConfigError,
 * leaving the file as it was, when it is unreadable, currently invalid, too large, or the change
 * would make it invalid.
 */
export function writeConfigFile(path: string, patch: SettingsPatch): Config {
  return editConfigFile(path, (text) => applyPatchToYaml(text, patch, path));
}

/** Whether Settings can write the file: it is valid now, and it (or its nearest existing folder) is writable. */
export function configWritable(path: string): boolean {
  try {
    if (existsSync(path)) {
      const target = realpathSync(path);
      const stat = statSync(target);
      if (!stat.isFile() || stat.size > MAX_CONFIG_BYTES) return false;
      parseConfig(readFileSync(target, 'utf8'), path);
      return canWrite(target) && canWrite(dirname(target));
    }
    let dir = dirname(path);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    return canWrite(dir);
  } catch {
    return false;
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
