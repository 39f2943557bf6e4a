/**
 * `clusterdeck alerts list` and `alerts ack ID`: the alerts kept in the database, read and
 * acknowledged without collecting anything (the engine opens the database with no nodes and is
 * never started).
 */
import { existsSync } from 'node:fs';
import type { CallName, CallRequest, CallResponse } from '../../../shared/contract';
import { dispatchCall } from '../../../shared/dispatch';
import type { AlertView } from '../../../shared/model/alerts';
import { createEngine, type Engine } from '../../core/engine';
import { silentLogger } from '../../core/log';
import { loadRuntime, type CommonFlags } from '../runtime';
import { terminalSafe, terminalSafeJson } from '../terminal-text';
import { UsageError } from '../usage-error';
import { alertsTable } from './alert-text';

export interface AlertsListFlags extends CommonFlags {
  json?: boolean;
  all?: boolean;
}

export interface AlertsAckFlags extends CommonFlags {
  by?: string;
  comment?: string;
}

/** What is still open; --all adds the resolved history. */
const OPEN_VIEWS: AlertView[] = ['firing', 'pending', 'acknowledged', 'silenced'];
const ALL_VIEWS: AlertView[] = [...OPEN_VIEWS, 'resolved'];
const MAX_LISTED = 5000;

/** A call failed: its message, for stderr and exit code 1. */
class CallFailed extends Error {}

async function call<C extends CallName>(engine: Engine, name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
  const result = await dispatchCall(engine.handlers, name, request);
  if (!result.ok) throw new CallFailed(result.error.message);
  return result.value as CallResponse<C>;
}

/** The engine over the database, collecting nothing. */
function openStore(flags: CommonFlags): Engine {
  const runtime = loadRuntime(flags);
  return createEngine({ ...runtime, mode: 'serve', log: silentLogger, includeLocal: false, useInventory: false });
}

async function withStore(flags: CommonFlags, use: (engine: Engine) => Promise<number>): Promise<number> {
  const engine = openStore(flags);
  try {
    return await use(engine);
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error;
    process.stderr.write(`clusterdeck: ${terminalSafe(error.message)}\n`);
    return 1;
  } finally {
    engine.close();
  }
}

/** Lists the open alerts (with --all, the resolved ones too), newest first: a table, or one JSON document. */
export async function alertsList(flags: AlertsListFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { dbPath } = loadRuntime(flags);
  if (dbPath !== ':memory:' && !existsSync(dbPath)) {
    // Nothing collected yet: no alerts, and no database created just to say so.
    write(flags.json ? '{\n  "alerts": [],\n  "total": 0\n}\n' : 'no alerts\n');
    return 0;
  }
  return withStore(flags, async (engine) => {
    const listed = await call(engine, 'alerts:list', { views: flags.all ? ALL_VIEWS : OPEN_VIEWS, limit: MAX_LISTED });
    write(flags.json ? `${terminalSafeJson(JSON.stringify(listed, null, 2))}\n` : alertsTable(listed.alerts));
    if (!flags.json && listed.total > listed.alerts.length) write(`(${listed.alerts.length} of ${listed.total} shown)\n`);
    return 0;
  });
}

/** "12" -> 12; anything else is a usage error. */
export function parseAlertId(text: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new UsageError(`an alert ID is a positive number (see \`clusterdeck alerts list\`), got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Acknowledges one alert: who (--by, default the user's login name) and why (--comment). */
export async function alertsAck(id: string, flags: AlertsAckFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const alertId = parseAlertId(id);
  const { dbPath } = loadRuntime(flags);
  if (dbPath !== ':memory:' && !existsSync(dbPath)) {
    process.stderr.write(`clusterdeck: no alert ${alertId}: there is no database at ${dbPath} yet\n`);
    return 1;
  }
  return withStore(flags, async (engine) => {
    // Without --by the engine names the OS user, as for an acknowledgement in the UI.
    const alert = await call(engine, 'alerts:ack', {
      id: alertId,
      ...(flags.by === undefined ? {} : { by: flags.by }),
      ...(flags.comment === undefined ? {} : { comment: flags.comment }),
    });
    write(`acknowledged #${alert.id} by ${terminalSafe(alert.ack?.by ?? '')}: ${terminalSafe(alert.title)} on ${terminalSafe(alert.nodeId)}\n`);
    return 0;
  });
}
