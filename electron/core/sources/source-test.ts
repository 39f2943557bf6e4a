/**
 * Test-connection for Settings: is the URL reachable, are the credentials accepted, is it a
 * Prometheus API (the instant query "1", then the build info where the engine has one), and how
 * many nodes would it bring (distinct node-label values of node_exporter or DCGM series, ports
 * stripped as discovery does). One classified answer; nothing is kept.
 */
import type { SourceTestResult } from '../../../shared/model/sources';
import type { PrometheusClient } from './prometheus-client';
import { PrometheusError } from './prometheus-errors';
import { nodeIdFromLabel } from './prometheus-source';

/** The series that make a node for discovery (prometheus-source.ts): node_exporter's and DCGM's. */
export function nodeCountQuery(nodeLabel: string): string {
  return `count by (${nodeLabel}) ({__name__=~"node_uname_info|node_cpu_seconds_total|DCGM_FI_DEV_GPU_TEMP|DCGM_FI_DEV_GPU_UTIL"})`;
}

export async function testSourceConnection(client: PrometheusClient, nodeLabel: string, now: () => number = Date.now): Promise<SourceTestResult> {
  const started = now();
  const elapsed = () => Math.max(0, now() - started);
  const connection = await client.testConnection();
  if (!connection.ok) return { ok: false, errorKind: connection.kind, message: connection.message, version: null, nodeCount: null, elapsedMs: elapsed() };
  try {
    const result = await client.query(nodeCountQuery(nodeLabel));
    if (result.resultType !== 'vector')
      throw new PrometheusError('not-prometheus', `${client.url} answered a count with a ${result.resultType}`, 'unexpected-result');
    const nodes = new Set<string>();
    for (const sample of result.samples) {
      const value = sample.labels[nodeLabel];
      if (value) nodes.add(nodeIdFromLabel(value));
    }
    const version = connection.version ? `version ${connection.version}` : 'a Prometheus-compatible API';
    const message =
      nodes.size > 0
        ? `Connected to ${client.url} (${version}): ${nodes.size} node${nodes.size === 1 ? '' : 's'} with node_exporter or DCGM series by label ${nodeLabel}.`
        : `Connected to ${client.url} (${version}), but no node_exporter or DCGM series carry the label ${nodeLabel}: no nodes would be added.`;
    return { ok: true, errorKind: null, message, version: connection.version, nodeCount: nodes.size, elapsedMs: elapsed() };
  } catch (error) {
    const e = error instanceof PrometheusError ? error : new PrometheusError('not-prometheus', (error as Error).message, 'unknown');
    return { ok: false, errorKind: e.kind, message: e.message, version: connection.version, nodeCount: null, elapsedMs: elapsed() };
  }
}
