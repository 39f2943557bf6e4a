// What the node page's GPU processes section shows: its states, its order and its notes.
import { describe, expect, it } from 'vitest';
import { formatRunning, processGpuLabel, processTable } from '../../../renderer/src/node/processes';
import type { GpuProcess } from '../../../shared/model/gpu';
import { gpu } from '../../helpers/snapshots';

const proc = (pid: number, usedMemoryMib: number | null, extra: Partial<GpuProcess> = {}): GpuProcess => ({
  pid,
  type: 'C',
  name: `job${pid}`,
  command: null,
  user: null,
  usedMemoryMib,
  startedAtMs: null,
  gpuInstanceId: null,
  computeInstanceId: null,
  ...extra,
});

describe('the GPU processes table', () => {
  it('is hidden without GPUs, "not reported" when no GPU lists processes, "empty" when they list none', () => {
    expect(processTable([]).state).toBe('hidden');
    expect(processTable([gpu({ index: 0 })]).state).toBe('not-reported');
    expect(processTable([gpu({ index: 0, processes: [], processCount: 0 })]).state).toBe('empty');
  });

  it('lists every GPU in one table, the largest GPU memory first (none last), and says what was cut and who does not report', () => {
    const table = processTable([
      gpu({ index: 0, processes: [proc(2, null), proc(1, 10)], processCount: 5 }),
      gpu({ index: 1, processes: [proc(3, 900, { gpuInstanceId: 3, computeInstanceId: 0 })], processCount: 1 }),
      gpu({ index: 2 }),
    ]);
    expect(table.state).toBe('rows');
    expect(table.rows.map((r) => r.process.pid)).toEqual([3, 1, 2]);
    expect(table.total).toBe(6);
    expect(table.cut).toEqual(['GPU 0: 2 of 5 processes listed.']);
    expect(table.notReporting).toEqual([2]);
    expect(processGpuLabel(table.rows[0]!.gpu, table.rows[0]!.process)).toBe('GPU 1 · MIG 3/0');
    expect(processGpuLabel(table.rows[1]!.gpu, table.rows[1]!.process)).toBe('GPU 0');
  });

  it('formats running time', () => {
    expect([45_000, 12 * 60_000, 3 * 3_600_000 + 5 * 60_000, 52 * 3_600_000, -5].map(formatRunning)).toEqual([
      '45 s',
      '12 min',
      '3 h 05 min',
      '2 d 4 h',
      '0 s',
    ]);
  });
});
