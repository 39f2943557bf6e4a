/**
 * The `sshd` probe: sshd's effective configuration. `sshd -T` (under sudo -n: it loads the host
 * keys) is what sshd itself would use; where it may not run, the files are parsed the way sshd
 * reads them: Include (several patterns, globs, relative to /etc/ssh, in glob order) and drop-in
 * folders followed, the first value of a keyword wins, Match blocks end at the next Match or the
 * end of their file and do not count for the global values (they are listed).
 */
import { SSHD_PROGRAM } from '../command-specs';
import type { Probe } from '../types';
import type { SshdFact, SshdMatchBlock } from './facts';
import { listDir, readText, type DirNames, type FileText } from './file-access';
import { globMatch, hasWildcard } from './glob';
import { asExec, execProblem, parallel, type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';
import { absolutePath } from '../../hosts/exec-policy';

type SshdProbe = Extract<Probe, { kind: 'sshd' }>;

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
const SSH_DIR = '/etc/ssh';
/** sshd itself stops at 16 nested Includes; a real configuration uses two. */
const MAX_INCLUDE_DEPTH = 8;
const MAX_FILES = 64;
const MAX_KEYWORDS = 500;
const MAX_VALUES = 64;

export function unknownSshd(_probe: SshdProbe, problem: string): SshdFact {
  return { kind: 'sshd', source: null, options: {}, all: {}, matchBlocks: [], files: [], problem, warnings: [] };
}

function addValue(fact: Pick<SshdFact, 'options' | 'all'>, keyword: string, value: string, warnings: Warnings): void {
  const values = fact.all[keyword];
  if (values === undefined) {
    if (Object.keys(fact.all).length >= MAX_KEYWORDS) {
      warnings.add(`more than ${MAX_KEYWORDS} keywords; ${quote(keyword)} ignored`);
      return;
    }
    fact.all[keyword] = [value];
    fact.options[keyword] = value;
  } else if (values.length < MAX_VALUES) values.push(value);
}

/** `sshd -T` output: `keyword value...` lines, keywords lower case. Pure. */
export function parseSshdT(stdout: string): SshdFact {
  const warnings = new Warnings();
  const fact: SshdFact = { kind: 'sshd', source: 'sshd -T', options: {}, all: {}, matchBlocks: [], files: [], problem: null, warnings: warnings.list };
  const lines = sourceLines(stdout, 'sshd -T', warnings) ?? [];
  for (const line of lines) {
    const match = /^([a-z0-9]+)(?:[ \t]+(.*))?$/.exec(line.trim());
    if (!match) {
      if (line.trim() !== '') warnings.add(`sshd -T: odd line ${quote(line)}`);
      continue;
    }
    addValue(fact, match[1]!, (match[2] ?? '').trim(), warnings);
  }
  if (Object.keys(fact.options).length === 0) fact.problem = 'sshd -T printed no configuration';
  return fact;
}

export interface SshdConfigLine {
  keyword: string;
  value: string;
  line: number;
}

/** yes/no in any case reads as sshd -T prints it. */
function normaliseValue(value: string): string {
  const lower = value.toLowerCase();
  return lower === 'yes' || lower === 'no' ? lower : value;
}

/** One sshd_config file's directives (`Keyword value` or `Keyword=value`; # comments). Pure. */
export function parseSshdConfigLines(text: string, file: string, warnings: Warnings): SshdConfigLine[] {
  const out: SshdConfigLine[] = [];
  const lines = sourceLines(text, file, warnings) ?? [];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z0-9]+)(?:\s*=\s*|\s+)(.*)$/.exec(line) ?? /^([A-Za-z0-9]+)$/.exec(line);
    if (!match) {
      warnings.add(`${file}:${index + 1}: odd line ${quote(line)}`);
      return;
    }
    out.push({ keyword: match[1]!.toLowerCase(), value: normaliseValue((match[2] ?? '').trim()), line: index + 1 });
  });
  return out;
}

/** Include's patterns: whitespace separated, optionally double-quoted; relative ones under /etc/ssh. */
export function includePatterns(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/"([^"]*)"|(\S+)/g)) {
    const pattern = m[1] ?? m[2]!;
    out.push(pattern.startsWith('/') ? pattern : `${SSH_DIR}/${pattern}`);
  }
  return out;
}

/** A configuration file as read, with the files its Include lines name (per line). */
export interface SshdConfigTree {
  path: string;
  text: FileText;
  lines: SshdConfigLine[];
  includes: Map<number, SshdConfigTree[]>;
}

/** The tree's values the way sshd reads it. Pure. */
export function resolveSshdConfig(root: SshdConfigTree, warnings: Warnings): SshdFact {
  const fact: SshdFact = { kind: 'sshd', source: 'files', options: {}, all: {}, matchBlocks: [], files: [], problem: null, warnings: warnings.list };
  const walk = (node: SshdConfigTree, inMatch: boolean): void => {
    if (node.text.kind === 'missing') return;
    if (node.text.kind === 'unknown') {
      warnings.add(`${node.path}: ${node.text.problem}`);
      if (node === root) fact.problem = node.text.problem;
      return;
    }
    if (node.text.truncated) warnings.add(`${node.path}: read in part (too large)`);
    fact.files.push(node.path);
    let matching = inMatch;
    for (const line of node.lines) {
      if (line.keyword === 'match') {
        matching = line.value.toLowerCase() !== 'all' || inMatch;
        if (fact.matchBlocks.length < 100) fact.matchBlocks.push({ criteria: line.value, file: node.path, line: line.line } satisfies SshdMatchBlock);
        continue;
      }
      if (line.keyword === 'include') {
        for (const child of node.includes.get(line.line) ?? []) walk(child, matching);
        continue;
      }
      if (!matching) addValue(fact, line.keyword, line.value, warnings);
    }
  };
  walk(root, false);
  if (root.text.kind === 'missing') fact.problem = `${root.path} does not exist`;
  return fact;
}

const includePath = absolutePath();

/** Reads a configuration file and, recursively, what its Include lines name (siblings in parallel). */
function* fetchTree(path: string, depth: number, budget: { files: number }, warnings: Warnings): ProbeProgram<SshdConfigTree> {
  budget.files += 1;
  const text = yield* readText(path);
  const node: SshdConfigTree = { path, text, lines: [], includes: new Map() };
  if (text.kind !== 'ok') return node;
  node.lines = parseSshdConfigLines(text.text, path, warnings);
  const includeLines = node.lines.filter((l) => l.keyword === 'include');
  if (includeLines.length === 0) return node;
  if (depth >= MAX_INCLUDE_DEPTH) {
    warnings.add(`${path}: Include nested deeper than ${MAX_INCLUDE_DEPTH}; not followed`);
    return node;
  }
  // The folders the globs need, listed together.
  const patterns = includeLines.flatMap((l) => includePatterns(l.value).map((pattern) => ({ line: l.line, pattern })));
  const dirs = [...new Set(patterns.filter((p) => hasWildcard(p.pattern)).map((p) => p.pattern.slice(0, p.pattern.lastIndexOf('/')) || '/'))];
  const listings = yield* parallel<DirNames>(dirs.map((dir) => listDir(dir)));
  const listingOf = new Map(dirs.map((dir, i) => [dir, listings[i]!]));
  const files: { line: number; path: string }[] = [];
  for (const { line, pattern } of patterns) {
    if (!hasWildcard(pattern)) {
      if (includePath.test(pattern)) files.push({ line, path: pattern });
      else warnings.add(`${path}:${line}: Include ${quote(pattern)} is not a plain path; not followed`);
      continue;
    }
    const cut = pattern.lastIndexOf('/');
    const dir = pattern.slice(0, cut) || '/';
    if (hasWildcard(dir)) {
      warnings.add(`${path}:${line}: Include ${quote(pattern)} has a wildcard in a folder name; not followed`);
      continue;
    }
    const listing = listingOf.get(dir)!;
    if (listing.kind === 'unknown') warnings.add(`${dir}: ${listing.problem}`);
    if (listing.kind !== 'ok') continue;
    for (const name of listing.names.filter((n) => globMatch(pattern.slice(cut + 1), n))) files.push({ line, path: `${dir}/${name}` });
  }
  const wanted = files.filter((f) => includePath.test(f.path)).slice(0, Math.max(0, MAX_FILES - budget.files));
  if (wanted.length < files.length) warnings.add(`${path}: more than ${MAX_FILES} included files; the rest not followed`);
  const children = yield* parallel<SshdConfigTree>(wanted.map((f) => fetchTree(f.path, depth + 1, budget, warnings)));
  wanted.forEach((f, i) => node.includes.set(f.line, [...(node.includes.get(f.line) ?? []), children[i]!]));
  return node;
}

/** The files as sshd reads them (also the `file-content` probe's sshdIncludes). */
export function* readSshdConfigTree(path: string, warnings: Warnings): ProbeProgram<SshdConfigTree> {
  return yield* fetchTree(path, 0, { files: 0 }, warnings);
}

export function* sshdProgram(_probe: SshdProbe): ProbeProgram<SshdFact> {
  const [result] = yield [{ kind: 'exec', program: SSHD_PROGRAM, args: ['-T'], sudo: true }];
  const exec = asExec(result);
  const problem = execProblem(exec, 'sshd');
  if (problem === null && exec.exitCode === 0) {
    const fact = parseSshdT(exec.stdout);
    if (fact.problem === null) return fact;
  }
  const warnings = new Warnings();
  warnings.add(`sshd -T: ${problem ?? `exit ${exec.exitCode}${exec.stderr ? `: ${exec.stderr.trim().slice(0, 160)}` : ''}`}; read from the files`);
  const tree = yield* readSshdConfigTree(SSHD_CONFIG, warnings);
  return resolveSshdConfig(tree, warnings);
}
