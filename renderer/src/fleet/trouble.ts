/** The status bar's line on troubled nodes, and its tooltip. */
import type { NodeHealth } from '../../../shared/contract';
import type { NodeStatus } from '../../../shared/model/inventory';
import { statusWord } from './status';

const DOWN: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['unreachable', 'auth-failed', 'host-key-unknown', 'host-key-mismatch']);

/**
 * The status bar's line on troubled nodes, null when none is: "3 nodes down: a (unreachable),
 * b (auth failed), c (host key changed)", naming at most `named` and counting the rest.
 */
export function troubleText(health: NodeHealth | undefined, named = 3): string | null {
  if (!health || health.troubled === 0) return null;
  const listed = health.nodes;
  const down = listed.filter((n) => DOWN.has(n.status)).length;
  // What the listed nodes are; when some are not listed, their kind is unknown.
  const kind =
    down === listed.length && listed.length === health.troubled ? 'down' : down === 0 && listed.length === health.troubled ? 'degraded' : 'in trouble';
  const head = `${health.troubled} node${health.troubled === 1 ? '' : 's'} ${kind}`;
  // Among degraded nodes only, the reason says more than the word "degraded" again.
  const names = listed.slice(0, named).map((n) => `${n.id} (${kind === 'degraded' && n.lastError ? shorten(n.lastError, 48) : statusWord(n.status)})`);
  const rest = health.troubled - names.length;
  return `${head}: ${names.join(', ')}${rest > 0 ? `, and ${rest} more` : ''}`;
}

const shorten = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Every listed troubled node with its error, one per line (the status bar's tooltip). */
export function troubleDetails(health: NodeHealth | undefined): string {
  if (!health) return '';
  const lines = health.nodes.map((n) => `${n.id}: ${statusWord(n.status)}${n.lastError ? ` (${n.lastError})` : ''}`);
  const unlisted = health.troubled - health.nodes.length;
  if (unlisted > 0) lines.push(`and ${unlisted} more: see the fleet page`);
  return lines.join('\n');
}
