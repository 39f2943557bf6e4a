/**
 * Custom command probes: a policy never carries a shell line, but a policy the user imported may
 * declare read-only commands (an argv) for its `command` leaves. They run only once the user
 * approved that very file: the approval pins the file's SHA-256, so a changed file must be
 * approved again. A built-in policy may name built-in command ids only.
 */
import { resolve } from 'node:path';
import type { HostAccess } from '../hosts/exec-policy';
import { builtinCommand } from './builtin-commands';
import { ruleLeaves } from './policy-schema';
import type { CustomCommand, Policy } from './types';

/** Where approvals are kept (audit-store.ts: the policy_approvals table). */
export interface PolicyApprovals {
  /** The SHA-256 the user approved for this file (its latest approval), or null. */
  approvedSha256(path: string): string | null;
  approve(path: string, sha256: string, approvedBy: string, at: number): void;
}

export type ApprovalState =
  /** Built-in commands only: nothing to approve. */
  | { kind: 'not-needed' }
  | { kind: 'approved'; sha256: string }
  /** The user must approve this file (never approved, or approved with other contents). */
  | { kind: 'needs-approval'; sha256: string; changed: boolean; commands: readonly CustomCommand[] }
  /** Never allowed: a built-in policy naming a non-built-in command, or an undeclared id. */
  | { kind: 'refused'; reason: string };

/** The pinned path of a policy file (absolute, so the same file is one approval). */
export function approvalPath(file: string): string {
  return resolve(file);
}

/** The command ids a policy's rules name that are not built in. */
export function customCommandIds(policy: Policy): string[] {
  const ids = new Set<string>();
  for (const check of policy.checks) {
    for (const leaf of ruleLeaves(check.rule)) if ('command' in leaf && builtinCommand(leaf.command.id) === undefined) ids.add(leaf.command.id);
  }
  return [...ids];
}

export function approvalState(policy: Policy, approvals: PolicyApprovals | null): ApprovalState {
  const ids = customCommandIds(policy);
  const declared = new Map((policy.commands ?? []).map((command) => [command.id, command]));
  if (ids.length === 0 && declared.size === 0) return { kind: 'not-needed' };
  if (policy.builtIn)
    return { kind: 'refused', reason: `a built-in policy may use only built-in commands (found ${[...new Set([...ids, ...declared.keys()])].join(', ')})` };
  const undeclared = ids.filter((id) => !declared.has(id));
  if (undeclared.length)
    return { kind: 'refused', reason: `command${undeclared.length > 1 ? 's' : ''} ${undeclared.join(', ')}: neither built in nor declared in the policy` };
  const pinned = approvals?.approvedSha256(approvalPath(policy.source)) ?? null;
  if (pinned === policy.sha256) return { kind: 'approved', sha256: pinned };
  return { kind: 'needs-approval', sha256: policy.sha256, changed: pinned !== null, commands: [...declared.values()] };
}

/** Records the user's approval of the policy file as it is now. Refuses a built-in or broken policy. */
export function approvePolicy(policy: Policy, approvals: PolicyApprovals, approvedBy: string, at: number): ApprovalState {
  const state = approvalState(policy, approvals);
  if (state.kind === 'refused' || state.kind === 'not-needed' || state.kind === 'approved') return state;
  approvals.approve(approvalPath(policy.source), policy.sha256, approvedBy, at);
  return { kind: 'approved', sha256: policy.sha256 };
}

/**
 * The exec-policy declarations of an approved policy's custom commands, for the Host the audit
 * runs on (ExecPolicy.of(COMPLIANCE_ACCESS, customCommandAccess(...))). Empty unless approved.
 */
export function customCommandAccess(policy: Policy, state: ApprovalState): HostAccess {
  if (state.kind !== 'approved') return { commands: [], paths: [] };
  return {
    commands: (policy.commands ?? []).map((command) => ({
      id: `compliance.custom.${policy.sha256.slice(0, 12)}.${command.id}`,
      program: command.program,
      args: [...command.args],
      sudo: command.sudo,
      description: `${command.description} (policy ${policy.id}, approved)`,
    })),
    paths: [],
  };
}
