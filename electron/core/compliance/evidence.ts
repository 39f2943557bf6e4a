/**
 * The evidence of a verdict: for every host operation a check's probes ran, what was run or read,
 * a bounded excerpt of the output, the exit code, when, why a fact is unknown, and the SHA-256 of
 * the full output; per check, the SHA-256 of its canonical JSON (so an auditor can tell later
 * that the stored evidence is what the audit saw).
 */
import { createHash } from 'node:crypto';
import type { BatchOp } from '../hosts/host';
import { NEEDS_PRIVILEGE, type CollectedFact } from './probes/index';
import type { CheckStatus, ProbeEvidence } from './types';

export const EXCERPT_BYTES = 4096;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** At most `bytes` of UTF-8 (cut on a character boundary), with a marker when cut. */
export function excerpt(text: string, bytes = EXCERPT_BYTES): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end -= 1;
  return `${buffer.subarray(0, end).toString('utf8')}\n… (${buffer.length - end} more bytes)`;
}

/** JSON with object keys sorted at every level: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function describeOp(op: BatchOp): string {
  if (op.kind === 'read') return `read ${op.path}`;
  if (op.kind === 'stat') return `stat ${op.path}`;
  return [...(op.sudo ? ['sudo', '-n'] : []), op.program, ...op.args].join(' ');
}

interface OpOutput {
  output: string;
  exitCode: number | null;
  problem: string | null;
}

function outputOf(op: BatchOp, result: unknown): OpOutput {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  if (op.kind === 'exec') {
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const stderr = typeof r.stderr === 'string' ? r.stderr : '';
    const problem = r.needsPrivilege
      ? NEEDS_PRIVILEGE
      : r.notFound
        ? 'not installed'
        : r.timedOut
          ? 'timed out'
          : r.truncated
            ? 'output cut at the limit'
            : null;
    return {
      output: stderr ? `${stdout}${stdout.endsWith('\n') || !stdout ? '' : '\n'}[stderr]\n${stderr}` : stdout,
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : null,
      problem,
    };
  }
  if (op.kind === 'read') {
    if (r.kind === 'ok')
      return { output: typeof r.text === 'string' ? r.text : '', exitCode: null, problem: r.truncated ? 'file cut at the read limit' : null };
    return { output: '', exitCode: null, problem: r.kind === 'denied' ? 'permission denied' : r.kind === 'missing' ? 'missing' : String(r.message ?? 'error') };
  }
  if (r.kind === 'ok') return { output: canonicalJson(r), exitCode: null, problem: null };
  return { output: '', exitCode: null, problem: r.kind === 'denied' ? 'permission denied' : r.kind === 'missing' ? 'missing' : String(r.message ?? 'error') };
}

/**
 * Files whose second field may hold a password hash: evidence keeps what the field is, never the
 * hash. /etc/passwd and /etc/group normally say "x" there, but a system never run through pwconv
 * (what gnb-acct-003 looks for) keeps the hash in them.
 */
const HASH_FILES: ReadonlySet<string> = new Set([
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/shadow-',
  '/etc/gshadow-',
  '/etc/passwd',
  '/etc/group',
  '/etc/passwd-',
  '/etc/group-',
]);

/** Whether a file's lines may carry a password hash (so nothing may quote them verbatim). */
export function holdsPasswordHashes(path: string): boolean {
  return HASH_FILES.has(path);
}

function secretFileOf(op: BatchOp): string | null {
  if (op.kind === 'read') return HASH_FILES.has(op.path) ? op.path : null;
  if (op.kind === 'exec') return op.args.find((arg) => HASH_FILES.has(arg)) ?? null;
  return null;
}

/** What a hash field holds, as an auditor needs it: empty (no password), x (shadowed), locked, or a hash (redacted). */
function hashFieldClass(field: string): string {
  if (field === '' || field === 'x') return field;
  if (/^[!*]+$/.test(field)) return field;
  if (field.startsWith('!')) return '!<locked hash redacted>';
  return '<hash redacted>';
}

/** One line of a hash file with its second field classified instead of quoted. */
export function redactHashLine(line: string): string {
  const fields = line.split(':');
  if (fields.length < 2) return line;
  fields[1] = hashFieldClass(fields[1]!);
  return fields.join(':');
}

/**
 * The output as evidence may keep it: the shadow, passwd and group files lose their password
 * hashes (an empty, shadowed, locked or set field stays visible), so a report never carries a
 * crackable hash.
 */
export function redactSecrets(op: BatchOp, output: string): string {
  if (secretFileOf(op) === null) return output;
  return output.split('\n').map(redactHashLine).join('\n');
}

/** The evidence of one probe: one entry per operation it ran, or one saying why nothing ran. */
export function probeEvidence(collected: CollectedFact): ProbeEvidence[] {
  if (collected.trace.length === 0) {
    return [
      {
        probe: collected.key,
        source: collected.key,
        exitCode: null,
        excerpt: '',
        sha256: sha256(''),
        startedAt: 0,
        endedAt: 0,
        problem: collected.fact.problem ?? 'nothing was read',
      },
    ];
  }
  return collected.trace.map((step) => {
    const { output: raw, exitCode, problem } = outputOf(step.op, step.result);
    // The hash is of what is kept: evidence an auditor can check without holding the secrets.
    const output = redactSecrets(step.op, raw);
    return {
      probe: collected.key,
      source: describeOp(step.op),
      exitCode,
      excerpt: excerpt(output),
      sha256: sha256(output),
      startedAt: step.startedAt,
      endedAt: step.endedAt,
      problem,
    };
  });
}

/** SHA-256 over a check result's canonical JSON (everything but this hash). */
export function evidenceHash(result: {
  nodeId: string;
  checkId: string;
  status: CheckStatus;
  detail: string;
  evidence: readonly ProbeEvidence[];
  hostKey: string | null;
}): string {
  return sha256(
    canonicalJson({
      nodeId: result.nodeId,
      checkId: result.checkId,
      status: result.status,
      detail: result.detail,
      evidence: result.evidence,
      hostKey: result.hostKey,
    }),
  );
}
