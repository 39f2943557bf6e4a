import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../electron/core/collectors/nvidia-smi-xml';
import { metricBuffer, readRuleMetric, RULE_METRIC_NAMES } from '../../../electron/core/alerts/rule-metrics';
import { METRICS, METRIC_NAMES } from '../../../shared/model/metrics';
import { gpu, snapshot } from '../../helpers/snapshots';
import { listFixtures, readFixture } from '../../helpers/fixtures';

const T0 = 1_700_000_000_000;

function read(metric: string, s: Parameters<typeof readRuleMetric>[1], out = metricBuffer()): Array<{ device: string; value: number }> {
  readRuleMetric(metric, s, out);
  return Array.from({ length: out.length }, (_, i) => ({ device: out.devices[i]!, value: out.values[i]! }));
}

describe('rule metric readers (the allocation-free path the evaluator takes)', () => {
  it('read every stored metric as the store extracts it, from real nvidia-smi captures and missing values', () => {
    const snapshots = listFixtures('nvidia-smi/xml', '.xml').map((file) => snapshot(T0, { gpus: parseNvidiaSmiXml(readFixture('nvidia-smi/xml', file)).gpus }));
    snapshots.push(
      snapshot(T0, { gpus: [gpu({ temperatureC: null, gpuUtilPct: Number.NaN, uuid: null }), gpu({ powerDrawW: null, pciBusId: null, uuid: null })] }),
    );
    let values = 0;
    for (const s of snapshots) {
      for (const name of METRIC_NAMES) {
        const got = read(name, s);
        expect(got, name).toEqual(METRICS[name].extract(s));
        values += got.length;
      }
    }
    expect(values).toBeGreaterThan(0);
  });

  it('empty the buffer first, so one buffer serves every metric and snapshot', () => {
    const out = metricBuffer();
    const s = snapshot(T0, { gpus: [gpu(), gpu({ uuid: 'GPU-b' })] });
    expect(read('gpu.temperature_c', s, out)).toHaveLength(2);
    expect(read('memory.available_pct', s, out)).toHaveLength(1);
    expect(read('no.such_metric', s, out)).toEqual([]);
    for (const name of RULE_METRIC_NAMES) read(name, snapshot(T0, { cpu: null, memory: null, filesystems: [], diskIo: [], network: [], gpus: [] }), out);
    expect(out.length).toBe(0);
  });
});
