/**
 * Who is calling: each desktop window and each `serve` session has its own caller, whose profile
 * (name and role) starts as the OS user, an administrator, and changes with `profile:set`. An
 * auditor may not make the ADMIN_ONLY_CALLS; every audit-log row carries the caller's profile.
 */
import { ADMIN_ONLY_CALLS, type CallName } from '../../../shared/contract';
import type { Profile } from '../../../shared/model/audits';
import { osUserName } from './alerts';

export interface Caller {
  profile: Profile;
}

export function defaultProfile(): Profile {
  return { name: osUserName().slice(0, 128) || 'admin', role: 'admin' };
}

export function newCaller(profile: Profile = defaultProfile()): Caller {
  return { profile: { ...profile } };
}

const ADMIN_ONLY: ReadonlySet<CallName> = new Set(ADMIN_ONLY_CALLS);

/** Whether the caller's role may make this call. */
export function mayCall(caller: Caller, name: CallName): boolean {
  return caller.profile.role === 'admin' || !ADMIN_ONLY.has(name);
}
