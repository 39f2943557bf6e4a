/**
 * A caller's view of the handlers: calls an auditor may not make are refused ('forbidden', the
 * attempt logged), and each call that changes something appends an audit-log row with the
 * caller's profile once it succeeded. The audit workflow's own writes (attest, waive, revoke,
 * audits:run, reports:export) log in their handlers, in the action's transaction.
 * No secret goes into a row: a passphrase call logs the key's path, a settings change the names
 * of the settings it touched.
 */
import type { CallHandlers, CallName, CallResponse, CALLS } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { z } from 'zod';
import type { AuditLog } from '../audit-log';
import { mayCall, type Caller } from './caller';

type Request<C extends CallName> = z.output<(typeof CALLS)[C]['request']>;
type Row = { subject: string; details?: Record<string, unknown> };
type Describe<C extends CallName> = (request: Request<C>, response: CallResponse<C>) => Row;

/** "collection.intervalMs": the settings a patch touches, never their values (a webhook URL may hold a token). */
function settingNames(patch: object, prefix = ''): string[] {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .flatMap(([key, value]) =>
      value !== null && typeof value === 'object' && !Array.isArray(value) && !prefix ? settingNames(value as object, `${key}.`) : [`${prefix}${key}`],
    );
}

/** A URL as logged: no user info, query or fragment. */
function urlWithoutSecrets(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** The calls that change something outside the audit workflow, and what their rows say. */
const LOGGED: { [C in CallName]?: Describe<C> } = {
  'nodes:add': ({ node }) => ({ subject: node.id, details: { host: node.host, port: node.port, user: node.user, labels: node.labels } }),
  'nodes:edit': ({ node }) => ({
    subject: node.id,
    details: {
      host: node.host,
      port: node.port,
      user: node.user,
      proxyJump: node.proxyJump.map((h) => `${h.user}@${h.host}:${h.port}`),
      exporters: node.exporters ?? [],
    },
  }),
  'nodes:update': ({ nodeId, labels }) => ({ subject: nodeId, details: { labels } }),
  'nodes:remove': ({ nodeId }) => ({ subject: nodeId }),
  'hostKeys:trust': ({ nodeId, fingerprint }) => ({ subject: nodeId, details: { fingerprint } }),
  'keys:passphrase': ({ keyPath }) => ({ subject: keyPath, details: { stored: 'os-keychain' } }),
  'sshConfig:import': ({ path, aliases }) => ({ subject: path ?? '~/.ssh/config', details: { aliases: aliases.slice(0, 100), count: aliases.length } }),
  'settings:update': ({ patch }) => ({ subject: 'config.yaml', details: { settings: settingNames(patch) } }),
  // A typed token or password is logged as where it went, never its value.
  'sources:save': ({ source, token, password }) => ({
    subject: `source ${source.id}`,
    details: { url: urlWithoutSecrets(source.url), tenant: source.tenant ?? null, secret: token || password ? 'os-keychain' : 'unchanged' },
  }),
  'sources:remove': ({ id }) => ({ subject: `source ${id}` }),
  'alerts:ack': ({ id, comment }) => ({ subject: `alert ${id}`, details: { comment: comment ?? '' } }),
  'alerts:snooze': ({ id, durationMs }) => ({ subject: `alert ${id}`, details: { durationMs } }),
  'silences:create': ({ matchers, durationMs, comment }, silence) => ({ subject: `silence ${silence.id}`, details: { matchers, durationMs, comment } }),
  'silences:expire': ({ id }) => ({ subject: `silence ${id}` }),
};

/** The caller's handlers: the role checked, changes logged with the caller's profile. */
export function callerView(handlers: CallHandlers, caller: Caller, auditLog: AuditLog): CallHandlers {
  const view = {} as Record<CallName, (request: unknown) => Promise<unknown>>;
  for (const name of Object.keys(handlers) as CallName[]) {
    const handler = handlers[name] as (request: unknown) => Promise<unknown>;
    const describe = LOGGED[name] as ((request: unknown, response: unknown) => Row) | undefined;
    view[name] = async (request) => {
      if (!mayCall(caller, name)) {
        auditLog.append(caller.profile, 'refused', name, { reason: `the ${caller.profile.role} profile may not make this call` });
        throw new ContractError('forbidden', `forbidden: the auditor profile ${caller.profile.name} may not ${name} (an administrator's call)`);
      }
      const response = await handler(request);
      if (describe) {
        const row = describe(request, response);
        auditLog.append(caller.profile, name, row.subject, row.details);
      }
      return response;
    };
  }
  return view as CallHandlers;
}
