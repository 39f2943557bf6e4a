/**
 * The `file-content` probe: a file's text (bounded), read with sudo -n where only root may; with
 * `sshdIncludes`, sshd_config's Include files and drop-ins follow it in the order sshd reads them.
 */
import type { Probe } from '../types';
import type { ContentFile, FileContentFact } from './facts';
import { readText, type FileText } from './file-access';
import { type ProbeProgram } from './program';
import { readSshdConfigTree, type SshdConfigTree } from './sshd-config';
import { Warnings } from '../../collectors/linux/parse-support';

type FileContentProbe = Extract<Probe, { kind: 'file-content' }>;

/** All files' text together at most (a regex runs over it). */
export const MAX_CONTENT_CHARS = 4 * 1024 * 1024;

export function unknownFileContent(probe: FileContentProbe, problem: string): FileContentFact {
  return { kind: 'file-content', path: probe.path, exists: null, files: [], text: null, problem, warnings: [] };
}

/** The tree's files in sshd's reading order (an Include's files where the Include line stands). Pure. */
export function sshdTreeFiles(root: SshdConfigTree, warnings: Warnings): ContentFile[] {
  const out: ContentFile[] = [];
  const walk = (node: SshdConfigTree): void => {
    if (node.text.kind !== 'ok') {
      if (node.text.kind === 'unknown' && node !== root) warnings.add(`${node.path}: ${node.text.problem}`);
      return;
    }
    out.push({ path: node.path, text: node.text.text, truncated: node.text.truncated });
    const lines = [...node.includes.keys()].sort((a, b) => a - b);
    for (const line of lines) for (const child of node.includes.get(line)!) walk(child);
  };
  walk(root);
  return out;
}

export function contentFact(path: string, main: FileText, files: ContentFile[], warnings: Warnings): FileContentFact {
  if (main.kind === 'missing') return { kind: 'file-content', path, exists: false, files: [], text: null, problem: null, warnings: warnings.list };
  if (main.kind === 'unknown') return { kind: 'file-content', path, exists: null, files: [], text: null, problem: main.problem, warnings: warnings.list };
  let total = 0;
  const kept: ContentFile[] = [];
  for (const f of files) {
    if (total + f.text.length > MAX_CONTENT_CHARS) {
      warnings.add(`more than ${MAX_CONTENT_CHARS} characters; ${f.path} and later files left out`);
      break;
    }
    total += f.text.length;
    kept.push(f);
  }
  for (const f of kept) if (f.truncated) warnings.add(`${f.path}: read in part (too large)`);
  return { kind: 'file-content', path, exists: true, files: kept, text: kept.map((f) => f.text).join('\n'), problem: null, warnings: warnings.list };
}

export function* fileContentProgram(probe: FileContentProbe): ProbeProgram<FileContentFact> {
  const warnings = new Warnings();
  if (probe.sshdIncludes) {
    const tree = yield* readSshdConfigTree(probe.path, warnings);
    return contentFact(probe.path, tree.text, sshdTreeFiles(tree, warnings), warnings);
  }
  const text = yield* readText(probe.path);
  return contentFact(probe.path, text, text.kind === 'ok' ? [{ path: probe.path, text: text.text, truncated: text.truncated }] : [], warnings);
}
