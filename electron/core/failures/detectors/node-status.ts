/**
 * node-unreachable, node-auth-failed, node-host-key-changed: one condition per node, read from the
 * node's status as the collectors set it, with the node's last error as the text.
 */
import type { DetectorId, Signal } from '../../alerts/types';
import type { NodeState, NodeStatus } from '../../../../shared/model/inventory';
import type { DetectorResult } from './gpu-listing';

const NODE_DETECTORS: readonly DetectorId[] = ['node-unreachable', 'node-auth-failed', 'node-host-key-changed'];

const FAILING: Partial<Record<NodeStatus, { detector: DetectorId; fallback: string }>> = {
  unreachable: { detector: 'node-unreachable', fallback: 'The node does not answer.' },
  'auth-failed': { detector: 'node-auth-failed', fallback: 'The node refuses our login.' },
  'host-key-mismatch': {
    detector: 'node-host-key-changed',
    fallback: 'The node presents a host key other than the trusted one; collection is stopped until you check and trust it.',
  },
};

export function detectNodeStatus(atMs: number, state: NodeState): DetectorResult {
  // Every node starts 'connecting' (after a restart too): nothing is known yet, alerts keep their state.
  if (state.status === 'connecting') return { signals: [], evaluated: [] };
  const failing = FAILING[state.status];
  if (failing === undefined) return { signals: [], evaluated: NODE_DETECTORS };
  const labels: Record<string, string> = { status: state.status };
  if (state.address !== null) labels.address = state.address;
  const signal: Signal = {
    detector: failing.detector,
    nodeId: state.id,
    subject: '',
    gpu: null,
    atMs,
    value: null,
    text: state.lastError?.trim() || failing.fallback,
    severity: 'critical',
    labels,
  };
  return { signals: [signal], evaluated: NODE_DETECTORS };
}
