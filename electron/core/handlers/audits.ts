// PLACEHOLDER (issue 12 in progress): replaced by the audit workflow's handlers in this session.
import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { EngineContext } from './context';

type AuditCalls =
  | 'profile:get'
  | 'profile:set'
  | 'audits:policies'
  | 'audits:run'
  | 'audits:runs'
  | 'audits:results'
  | 'audits:drift'
  | 'audits:attest'
  | 'audits:waive'
  | 'audits:waivers'
  | 'audits:revokeWaiver'
  | 'auditLog:list'
  | 'auditLog:verify'
  | 'reports:export';

export function auditHandlers(_ctx: EngineContext): Pick<CallHandlers, AuditCalls> {
  const unavailable = async (): Promise<never> => {
    throw new ContractError('unavailable', 'audits are not wired yet');
  };
  return {
    'profile:get': unavailable,
    'profile:set': unavailable,
    'audits:policies': unavailable,
    'audits:run': unavailable,
    'audits:runs': unavailable,
    'audits:results': unavailable,
    'audits:drift': unavailable,
    'audits:attest': unavailable,
    'audits:waive': unavailable,
    'audits:waivers': unavailable,
    'audits:revokeWaiver': unavailable,
    'auditLog:list': unavailable,
    'auditLog:verify': unavailable,
    'reports:export': unavailable,
  };
}
