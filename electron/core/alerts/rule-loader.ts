/**
 * Loads the shipped rules file and the user's rules folder into one RuleSet. Never throws: every
 * problem becomes a RuleError with the file and line, the bad rule (or the broken file) is
 * skipped and everything else loads. A user rule with a default rule's id replaces it; an entry
 * `{ id, disabled: true }` turns a default rule off.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { RuleError } from '../../../shared/model/alerts';
import type { AlertRule, InhibitRule, RuleSet } from './types';
import { DisabledEntrySchema, InhibitEntrySchema, RULE_LIMITS, RuleEntrySchema, toAlertRule } from './rule-schema';

export interface LoadRulesOptions {
  /** The shipped rules (rules/default.yaml; see default-rules-path.ts); null for none. */
  defaultFile: string | null;
  /** The user's folder of *.yaml / *.yml files; a missing folder means no user rules. */
  userDir: string | null;
}

type Entry =
  | { kind: 'rule'; rule: AlertRule }
  | { kind: 'disable'; id: string; file: string; line: number | null }
  /** Invalid; its error is already reported. */
  | { kind: 'invalid'; id: string | null };

interface ParsedFile {
  entries: Entry[];
  inhibit: InhibitRule[];
  errors: RuleError[];
  /** The file as a whole could not be read or parsed (nothing in it was looked at). */
  failed?: true;
}

/**
 * Per file, its last parse that did not fail as a whole. A reload given it keeps a file's previous
 * rules in force while the file is broken (caught half-written, a YAML syntax error), so its open
 * alerts are not resolved and notified again; a file that parsed, or that is gone, counts as it is.
 */
export type RuleFileMemory = Map<string, ParsedFile>;

type YamlPath = readonly (string | number)[];

/** The 1-based line of the deepest node along `path` that exists (a missing field: its rule's line). */
function lineOf(doc: Document, counter: LineCounter, path: YamlPath): number | null {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

/** The line of key `key` in the map at `path` (for a field that should not be there). */
function keyLine(doc: Document, counter: LineCounter, path: YamlPath, key: string): number | null {
  const map = doc.getIn(path, true);
  if (isMap(map)) {
    const pair = map.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
    const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return lineOf(doc, counter, path);
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'is required';
  return issue.message;
}

/** Turns a zod failure into errors, each at the line of the field it names. */
function zodErrors(error: z.ZodError, where: { file: string; doc: Document; counter: LineCounter; base: YamlPath; label: string }): RuleError[] {
  return error.issues.map((issue) => {
    const path = [...where.base, ...(issue.path as (string | number)[])];
    const line = issue.code === 'unrecognized_keys' ? keyLine(where.doc, where.counter, path, issue.keys[0]!) : lineOf(where.doc, where.counter, path);
    const field = pathText(issue.path);
    return { file: where.file, line, message: `${where.label}: ${field ? `${field}: ` : ''}${issueMessage(issue)}` };
  });
}

function entryLabel(raw: unknown, section: string, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length <= 64 ? `rule "${id}"` : `${section}[${index}]`;
}

const MISSING = 'the file does not exist';

function readText(file: string): { text: string } | { error: string } {
  try {
    const size = statSync(file).size;
    if (size > RULE_LIMITS.fileBytes) return { error: `the file is ${size} bytes; the limit is ${RULE_LIMITS.fileBytes}` };
    return { text: readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? MISSING : `cannot be read: ${(error as Error).message}` };
  }
}

/** Parses one rules file. `defaultIds` (for user files) lets an error say that the default stays. */
export function parseRuleFile(file: string, text: string, defaultIds: ReadonlySet<string> = new Set()): ParsedFile {
  const out: ParsedFile = { entries: [], inhibit: [], errors: [] };
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const first = doc.errors[0]!;
    const line = counter.linePos(first.pos[0]).line;
    out.errors.push({ file, line, message: `not valid YAML, the whole file is skipped: ${first.message.split('\n')[0]}` });
    out.failed = true;
    return out;
  }
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    out.errors.push({ file, line: null, message: `the whole file is skipped: ${(error as Error).message.split('\n')[0]}` });
    out.failed = true;
    return out;
  }
  if (top === null || top === undefined) return out;
  if (typeof top !== 'object' || Array.isArray(top)) {
    out.errors.push({ file, line: lineOf(doc, counter, []), message: 'a rules file is a map with "rules:" (a list) and optionally "inhibit:" (a list)' });
    out.failed = true;
    return out;
  }
  const record = top as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'rules' && key !== 'inhibit') {
      out.errors.push({ file, line: keyLine(doc, counter, [], key), message: `unknown top-level field "${key}"; a rules file has "rules:" and "inhibit:"` });
    }
  }
  for (const section of ['rules', 'inhibit'] as const) {
    const list = record[section];
    if (list !== undefined && list !== null && !Array.isArray(list)) {
      out.errors.push({ file, line: lineOf(doc, counter, [section]), message: `"${section}:" must be a list (entries starting with "- ")` });
    }
  }
  const rules = Array.isArray(record.rules) ? record.rules : [];
  const inhibit = Array.isArray(record.inhibit) ? record.inhibit : [];
  if (rules.length > RULE_LIMITS.rulesPerFile) {
    out.errors.push({
      file,
      line: lineOf(doc, counter, ['rules', RULE_LIMITS.rulesPerFile]),
      message: `more than ${RULE_LIMITS.rulesPerFile} rules in one file; the rest are skipped`,
    });
  }
  rules.slice(0, RULE_LIMITS.rulesPerFile).forEach((raw, index) => {
    const base = ['rules', index];
    const line = lineOf(doc, counter, base);
    const label = entryLabel(raw, 'rules', index);
    const where = { file, doc, counter, base, label };
    const disabled = (raw as { disabled?: unknown } | null)?.disabled === true;
    if (disabled) {
      const parsed = DisabledEntrySchema.safeParse(raw);
      if (parsed.success) out.entries.push({ kind: 'disable', id: parsed.data.id, file, line });
      else out.errors.push(...zodErrors(parsed.error, where));
      return;
    }
    const parsed = RuleEntrySchema.safeParse(raw);
    if (parsed.success) {
      out.entries.push({ kind: 'rule', rule: toAlertRule(parsed.data, { file, line }) });
      return;
    }
    const id = (raw as { id?: unknown } | null)?.id;
    const keeps = typeof id === 'string' && defaultIds.has(id) ? ' (the default rule with this id stays in effect)' : '';
    const errors = zodErrors(parsed.error, where);
    errors[0] = { ...errors[0]!, message: `${errors[0]!.message}${keeps}` };
    out.errors.push(...errors);
    out.entries.push({ kind: 'invalid', id: typeof id === 'string' ? id : null });
  });
  if (inhibit.length > RULE_LIMITS.inhibitRules) {
    out.errors.push({
      file,
      line: lineOf(doc, counter, ['inhibit', RULE_LIMITS.inhibitRules]),
      message: `more than ${RULE_LIMITS.inhibitRules} inhibit rules; the rest are skipped`,
    });
  }
  inhibit.slice(0, RULE_LIMITS.inhibitRules).forEach((raw, index) => {
    const base = ['inhibit', index];
    const parsed = InhibitEntrySchema.safeParse(raw);
    if (parsed.success) out.inhibit.push({ ...parsed.data, source_file: { file, line: lineOf(doc, counter, base) } });
    else out.errors.push(...zodErrors(parsed.error, { file, doc, counter, base, label: `inhibit[${index}]` }));
  });
  return out;
}

function readRuleFile(file: string, defaultIds?: ReadonlySet<string>, memory?: RuleFileMemory): ParsedFile {
  const read = readText(file);
  const parsed: ParsedFile =
    'error' in read
      ? { entries: [], inhibit: [], errors: [{ file, line: null, message: read.error }], failed: true }
      : parseRuleFile(file, read.text, defaultIds);
  if (!memory) return parsed;
  const previous = memory.get(file);
  if (!parsed.failed) {
    memory.set(file, parsed);
    return parsed;
  }
  if (!previous || ('error' in read && read.error === MISSING)) return parsed;
  // Broken as a whole: the errors are reported, the previous rules stay.
  const errors = parsed.errors.map((e) => ({ ...e, message: `${e.message} (its previous rules stay in force)` }));
  return { ...previous, errors: [...previous.errors, ...errors] };
}

/** The user's rule files, sorted by name; a missing folder is no files. */
export function listRuleFiles(userDir: string): { files: string[]; errors: RuleError[] } {
  let names: string[];
  try {
    names = readdirSync(userDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { files: [], errors: [] };
    return { files: [], errors: [{ file: userDir, line: null, message: `the rules folder cannot be read: ${(error as Error).message}` }] };
  }
  const candidates = names.filter((name) => /\.ya?ml$/i.test(name) && !name.startsWith('.')).sort();
  const errors: RuleError[] = [];
  if (candidates.length > RULE_LIMITS.files) {
    errors.push({ file: userDir, line: null, message: `more than ${RULE_LIMITS.files} rule files; only the first ${RULE_LIMITS.files} by name are read` });
  }
  const files = candidates
    .slice(0, RULE_LIMITS.files)
    .map((name) => join(userDir, name))
    .filter((path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false; // a dangling link or a file removed meanwhile
      }
    });
  return { files, errors };
}

function where(source: { file: string; line: number | null }): string {
  return source.line === null ? source.file : `${source.file}:${source.line}`;
}

/** memory: see RuleFileMemory (the watcher keeps one across reloads); files no longer listed are forgotten. */
export function loadRules(options: LoadRulesOptions, memory?: RuleFileMemory): RuleSet {
  const errors: RuleError[] = [];
  const inhibit: InhibitRule[] = [];
  /** Insertion order is the rules' order; a replacement keeps the default's place. */
  const rules = new Map<string, AlertRule>();
  const defaultIds = new Set<string>();

  if (options.defaultFile !== null) {
    const parsed = readRuleFile(options.defaultFile, undefined, memory);
    errors.push(...parsed.errors);
    inhibit.push(...parsed.inhibit);
    for (const entry of parsed.entries) {
      if (entry.kind !== 'rule') continue; // a shipped rule may ship disabled
      const first = rules.get(entry.rule.id);
      if (first) {
        errors.push({ ...entry.rule.source, message: `rule "${entry.rule.id}": duplicate id (first at ${where(first.source)}); this one is skipped` });
        continue;
      }
      rules.set(entry.rule.id, entry.rule);
      defaultIds.add(entry.rule.id);
    }
  }

  if (options.userDir !== null) {
    const listing = listRuleFiles(options.userDir);
    errors.push(...listing.errors);
    const seen = new Map<string, string>();
    if (memory) {
      for (const file of memory.keys()) if (file !== options.defaultFile && !listing.files.includes(file)) memory.delete(file);
    }
    for (const file of listing.files) {
      const parsed = readRuleFile(file, defaultIds, memory);
      errors.push(...parsed.errors);
      inhibit.push(...parsed.inhibit);
      for (const entry of parsed.entries) {
        if (entry.kind === 'invalid') continue;
        const id = entry.kind === 'rule' ? entry.rule.id : entry.id;
        const source = entry.kind === 'rule' ? entry.rule.source : { file: entry.file, line: entry.line };
        const first = seen.get(id);
        if (first !== undefined) {
          errors.push({ ...source, message: `rule "${id}": duplicate id (first at ${first}); this one is skipped` });
          continue;
        }
        seen.set(id, where(source));
        if (entry.kind === 'disable') {
          if (defaultIds.has(id)) rules.delete(id);
          else errors.push({ ...source, message: `rule "${id}": disabled, but no default rule has this id` });
          continue;
        }
        if (!rules.has(id) && rules.size >= RULE_LIMITS.rules) {
          errors.push({ ...source, message: `rule "${id}": more than ${RULE_LIMITS.rules} rules in all; skipped` });
          continue;
        }
        rules.set(id, entry.rule);
      }
    }
  }

  const bounded =
    errors.length > RULE_LIMITS.errors
      ? [...errors.slice(0, RULE_LIMITS.errors), { file: '', line: null, message: `${errors.length - RULE_LIMITS.errors} more errors` }]
      : errors;
  return { rules: [...rules.values()], inhibit, errors: bounded };
}
