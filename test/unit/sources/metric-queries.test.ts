import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../shared/model/metrics';
import { escapeRegex, historyQuery, nodeMatcher } from '../../../electron/core/sources/metric-queries';
import { nodeIdFromLabel } from '../../../electron/core/sources/prometheus-source';
import { historyStep, rateWindow } from '../../../electron/core/sources/prometheus-history';

/** The matcher's regex as Prometheus reads it (anchored), from the PromQL string. */
function matcherRegex(matcher: string): RegExp {
  const quoted = matcher.slice(matcher.indexOf('=~') + 2);
  return new RegExp(`^(?:${JSON.parse(quoted) as string})$`);
}

describe('metric queries', () => {
  it('matches exactly the label values that map onto the node id', () => {
    for (const id of ['gpu-01.example', '10.0.0.1', 'fe80::1', 'a+b']) {
      const re = matcherRegex(nodeMatcher('instance', id));
      const candidates = [id, `${id}:9100`, `[${id}]:9100`, `[${id}]`, `x${id}`, `${id}x`, `${id}:`, `${id}:91a`, 'gpu-01Xexample', '10.0.0.10'];
      for (const value of candidates) expect(re.test(value), `${id} vs ${value}`).toBe(nodeIdFromLabel(value) === id);
    }
  });

  it('escapes what a node id or label could smuggle into PromQL', () => {
    expect(escapeRegex('a.b|c(d)*')).toBe('a\\.b\\|c\\(d\\)\\*');
    const matcher = nodeMatcher('instance', 'x"}or vector(1)#');
    expect(matcher.startsWith('instance=~"')).toBe(true);
    // One string literal: the quote is escaped, nothing closes the selector.
    expect(JSON.parse(matcher.slice('instance=~'.length))).toContain('x"\\}or vector\\(1\\)#');
    expect(() => nodeMatcher('instance"} or up{a="', 'n')).toThrow(/not a label name/);
  });

  it('has a query for every metric; rates read over four steps', () => {
    const sel = nodeMatcher('instance', 'n1');
    for (const metric of METRIC_NAMES) expect(historyQuery(metric, sel, '60s').expr).toContain(sel);
    expect(historyQuery('net.rx_bytes_per_sec', sel, rateWindow(15_000)).expr).toContain('[60s]');
    expect(historyQuery('cpu.util_pct', sel, '60s').expr).toContain('rate(node_cpu_seconds_total');
  });

  it('names devices as the live mapping does and leaves out what it leaves out', () => {
    const sel = nodeMatcher('instance', 'n1');
    const fs = historyQuery('fs.used_pct', sel, '4s');
    expect(fs.device({ mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' })).toBe('/');
    expect(fs.device({ mountpoint: '/proc', device: 'proc', fstype: 'proc' })).toBeNull();
    const net = historyQuery('net.tx_bytes_per_sec', sel, '4s');
    expect(net.device({ device: 'eth0' })).toBe('eth0');
    expect(net.device({ device: 'lo' })).toBeNull();
    expect(historyQuery('disk.read_bytes_per_sec', sel, '4s').device({ device: 'sda1' })).toBeNull();
    const gpu = historyQuery('gpu.temperature_c', sel, '4s');
    expect(gpu.device({ UUID: 'GPU-1', gpu: '0' })).toBe('GPU-1');
    expect(gpu.device({ pci_bus_id: '0000:31:00.0', gpu: '0' })).toBe('00000000:31:00.0');
    expect(gpu.device({ gpu: '3' })).toBe('gpu-index-3');
    expect(gpu.keep(2 ** 47)).toBe(false); // a DCGM blank is missing, not a value
    expect(gpu.keep(41)).toBe(true);
  });
});

describe('history step', () => {
  it('is at least the minimum, about span / maxPoints, rounded up to a nice step', () => {
    expect(historyStep(60_000, 300, 15_000)).toBe(15_000);
    expect(historyStep(3_600_000, 300, 15_000)).toBe(15_000);
    expect(historyStep(3_600_000, 100, 15_000)).toBe(60_000);
    expect(historyStep(86_400_000, 500, 1000)).toBe(300_000);
    expect(historyStep(60_000, 1000, 1000)).toBe(1000);
    expect(historyStep(400 * 86_400_000, 10, 1000)).toBe(50 * 86_400_000);
    for (const [span, points] of [
      [3_600_000, 300],
      [86_400_000, 1000],
      [7 * 86_400_000, 2],
    ] as const) {
      const step = historyStep(span, points, 1000);
      expect(Math.floor(span / step) + 2).toBeLessThanOrEqual(points);
    }
  });
});
