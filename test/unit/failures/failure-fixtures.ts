// Snapshots and kernel events for the failure detector tests, built from real captures: the XML
// parser turns test/fixtures/nvidia-smi/xml into real Gpu objects, interpretNvidiaSmi turns the
// error captures into real GPU statuses, and the kernel event store records the real Xid captures.
import type { Database as Db } from 'better-sqlite3';
import type { StoredKernelEvent } from '../../../electron/core/alerts/types';
import { interpretNvidiaSmi } from '../../../electron/core/collectors/gpu';
import { parseNvidiaSmiXml } from '../../../electron/core/collectors/nvidia-smi-xml';
import type { ExecResult } from '../../../electron/core/hosts/host';
import { KernelEventStore } from '../../../electron/core/failures/kernel-event-store';
import { parseKernelLog } from '../../../electron/core/failures/kernel-log';
import { parseXidEvents } from '../../../electron/core/failures/xid';
import type { Gpu } from '../../../shared/model/gpu';
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import { readFixture } from '../../helpers/fixtures';
import { snapshot } from '../../helpers/snapshots';

/** The GPUs of a real `nvidia-smi -q -x` capture. */
export function captureGpus(name: string): Gpu[] {
  return parseNvidiaSmiXml(readFixture('nvidia-smi', 'xml', name)).gpus;
}

/** A snapshot of `nodeId` at `t` listing these GPUs (status ok). */
export function gpuSnapshot(nodeId: string, t: number, gpus: Gpu[]): NodeSnapshot {
  return snapshot(t, {
    id: nodeId,
    hostname: nodeId,
    gpus,
    gpuStatus: { state: 'ok', message: `${gpus.length} GPUs`, driverVersion: gpus[0]?.driverVersion ?? null, cudaVersion: null },
  });
}

/** A snapshot whose nvidia-smi printed a real error capture (exit status as nvidia-smi gives). */
export function failedSnapshot(nodeId: string, t: number, errorCapture: string, exitCode = 9): NodeSnapshot {
  const result: ExecResult = {
    exitCode,
    stdout: readFixture('nvidia-smi', 'errors', errorCapture),
    stderr: '',
    notFound: false,
    timedOut: false,
    truncated: false,
    durationMs: 10,
  };
  const { status, gpus } = interpretNvidiaSmi(result, 10_000);
  return snapshot(t, { id: nodeId, hostname: nodeId, gpus, gpuStatus: status });
}

/** A snapshot whose nvidia-smi timed out (the collector's own status for it). */
export function timedOutSnapshot(nodeId: string, t: number): NodeSnapshot {
  const result: ExecResult = { exitCode: null, stdout: '', stderr: '', notFound: false, timedOut: true, truncated: false, durationMs: 10_000 };
  return snapshot(t, { id: nodeId, hostname: nodeId, gpus: [], gpuStatus: interpretNvidiaSmi(result, 10_000).status });
}

export function nodeState(id: string, status: NodeState['status'], lastError: string | null = null, since: number | null = null): NodeState {
  return { id, kind: 'ssh', status, since, lastError, address: `${id}.lab:22`, labels: [], missing: [], hostKey: null, passphraseFor: null };
}

/** The events of a real kernel log capture as the kernel event store records them. */
export function recordCapture(db: Db, nodeId: string, capture: string, recordedMs: number): StoredKernelEvent[] {
  const { events } = parseXidEvents(parseKernelLog(readFixture('nvidia-smi', 'errors', capture)).records);
  return new KernelEventStore(db).record(nodeId, 'boot-1', events, recordedMs);
}

/** A GPU with its PCI bus id and UUID moved, to make an n-GPU node out of a one-GPU capture. */
export function withSlot(gpu: Gpu, index: number, pciBusId: string, uuid: string): Gpu {
  return { ...gpu, index, minorNumber: index, pciBusId, uuid };
}
