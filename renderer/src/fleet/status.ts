/** A row's status in words and tones, how bad it is, and what it asks of the user. */
import type { NodeState, NodeStatus } from '../../../shared/model/inventory';
import type { FleetRow } from './rows';

/** A node with history but no longer collected (removed from the inventory, or seen under another config). */
export type RowStatus = NodeStatus | 'not-collected';

export type StatusTone = 'ok' | 'neutral' | 'warn' | 'error';

const STATUS_WORDS: Record<RowStatus, string> = {
  up: 'up',
  degraded: 'degraded',
  connecting: 'connecting',
  unreachable: 'unreachable',
  'auth-failed': 'auth failed',
  'host-key-unknown': 'host key unknown',
  'host-key-mismatch': 'host key changed',
  'not-collected': 'not collected',
};

const STATUS_TONES: Record<RowStatus, StatusTone> = {
  up: 'ok',
  degraded: 'warn',
  connecting: 'neutral',
  unreachable: 'error',
  'auth-failed': 'error',
  'host-key-unknown': 'warn',
  'host-key-mismatch': 'error',
  'not-collected': 'neutral',
};

/** Worst first: what needs the user comes to the top of a status sort. */
const STATUS_SEVERITY: Record<RowStatus, number> = {
  'host-key-mismatch': 0,
  'auth-failed': 1,
  unreachable: 2,
  'host-key-unknown': 3,
  degraded: 4,
  connecting: 5,
  up: 6,
  'not-collected': 7,
};

export const statusWord = (status: RowStatus): string => STATUS_WORDS[status];
export const statusTone = (status: RowStatus): StatusTone => STATUS_TONES[status];
/** 0 for the worst: the order of a status sort. */
export const statusSeverity = (status: RowStatus): number => STATUS_SEVERITY[status];

/** Statuses that need someone to act (or at least look). */
export function isProblem(status: RowStatus): boolean {
  return status !== 'up' && status !== 'connecting' && status !== 'not-collected';
}

/** Why nothing was collected from a node yet, in words, for a node whose status is a problem. */
export function noDataReason(state: Pick<NodeState, 'status'>): string {
  switch (state.status) {
    case 'unreachable':
      return 'it could not be reached';
    case 'auth-failed':
      return 'it refused the login';
    case 'host-key-unknown':
      return 'its host key has not been confirmed yet';
    case 'host-key-mismatch':
      return 'its host key has changed and must be confirmed again';
    default:
      return 'its collection failed';
  }
}

/** The node's key is encrypted and no passphrase is available: the engine names the key in `passphraseFor`. */
export function needsPassphrase(row: Pick<FleetRow, 'status' | 'passphraseFor'>): boolean {
  return row.status === 'auth-failed' && row.passphraseFor !== null;
}

/** The key files the passphrase dialog offers: the one the engine waits for first, then the node's others. */
export function passphraseKeyPaths(passphraseFor: string | null, known: readonly string[]): string[] {
  // First, so the dialog starts on it (and serve's ssh-add hint names it).
  return passphraseFor === null ? [...known] : [passphraseFor, ...known.filter((k) => k !== passphraseFor)];
}
