/**
 * `clusterdeck policy approve FILE`: the user's approval of a policy file whose custom commands
 * `audit --policy FILE` may then run. It loads and validates the file (errors at file:line
 * field, exit 2), prints what it will allow to run (each command's id, program, args and sudo),
 * and records the approval of the file's SHA-256 as it is now; --sha256 pins the contents the
 * auditor reviewed (another SHA-256 approves nothing). A changed file must be approved again.
 */
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { approvalState, approvePolicy } from '../../core/compliance/approval';
import { AuditStore } from '../../core/compliance/audit-store';
import { loadPolicy } from '../../core/compliance/policy-loader';
import type { CustomCommand } from '../../core/compliance/types';
import { openDatabase } from '../../core/store/db';
import { loadRuntime, type CommonFlags } from '../runtime';
import { terminalSafe } from '../terminal-text';
import { UsageError } from '../usage-error';
import { policyErrorLine } from './audit';

export interface PolicyApproveFlags extends CommonFlags {
  by?: string;
  sha256?: string;
}

const MAX_BY_CHARS = 200;

/** Who approves: --by, else the OS user's login name. */
function approverOf(flags: PolicyApproveFlags): string {
  const by = flags.by ?? safeUserName();
  if (by.trim() === '' || by.length > MAX_BY_CHARS) throw new UsageError(`--by must be a name of 1 to ${MAX_BY_CHARS} characters`);
  return by;
}

function safeUserName(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** One command as the auditor must see it: the argv as words (JSON), never interpreted. */
export function commandLine(command: CustomCommand): string {
  return terminalSafe(
    `  ${command.id}: program ${command.program}, args ${JSON.stringify(command.args)}, sudo ${command.sudo ? 'yes' : 'no'} (${command.description})`,
  );
}

export async function policyApprove(
  file: string,
  flags: PolicyApproveFlags,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const pinned = flags.sha256?.toLowerCase();
  if (pinned !== undefined && !/^[0-9a-f]{64}$/.test(pinned))
    throw new UsageError('--sha256 must be 64 hex digits (the SHA-256 printed by `audit` or `sha256sum`)');
  const approvedBy = approverOf(flags);
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${terminalSafe(file)}: no such policy file`);
  const load = loadPolicy(path);
  if (!load.policy || load.errors.length)
    throw new UsageError(`the policy ${terminalSafe(file)} has errors:\n  ${load.errors.map(policyErrorLine).join('\n  ')}`);
  const policy = load.policy;
  if (pinned !== undefined && pinned !== policy.sha256)
    throw new UsageError(`${terminalSafe(path)} has sha256 ${policy.sha256}, not the ${pinned} given with --sha256: nothing approved`);

  const runtime = loadRuntime(flags);
  const db = openDatabase(runtime.dbPath);
  try {
    const store = new AuditStore(db);
    const before = approvalState(policy, store);
    if (before.kind === 'refused') throw new UsageError(`policy ${terminalSafe(policy.id)}: ${terminalSafe(before.reason)}`);
    const title = terminalSafe(`policy ${policy.id} ${policy.version} (${path}), sha256 ${policy.sha256}`);
    if (before.kind === 'not-needed') {
      write(`${title}: runs no custom commands, nothing to approve\n`);
      return 0;
    }
    const commands = policy.commands ?? [];
    write(`${title} may run ${commands.length} custom command${commands.length === 1 ? '' : 's'} on the audited nodes:\n`);
    for (const command of commands) write(`${commandLine(command)}\n`);
    if (before.kind === 'approved') {
      write(`already approved as it is now (in ${terminalSafe(runtime.dbPath)})\n`);
      return 0;
    }
    approvePolicy(policy, store, approvedBy, Date.now());
    write(terminalSafe(`approved by ${approvedBy} (in ${runtime.dbPath})${before.changed ? '; it had changed since its last approval' : ''}`) + '\n');
    return 0;
  } finally {
    db.close();
  }
}
