import { describe, expect, it } from 'vitest';
import {
  escapeLabelValue,
  MAX_EXPORTED_SERIES,
  negotiateFormat,
  prometheusMetric,
  renderExposition,
  type ExpositionInput,
} from '../../../electron/server/metrics-endpoint';
import type { LatestValue } from '../../../shared/contract';
import { METRICS, METRIC_NAMES } from '../../../shared/model/metrics';
import { HOSTILE_HOSTNAME } from '../../helpers/ssh-lab';

const T = 1_700_000_000_123;
const GPU = 'GPU-5b5c1a6e-0000-4c5e-9d4a-1f0e8c2a7b31';

function input(overrides: Partial<ExpositionInput> = {}): ExpositionInput {
  return {
    values: [
      { nodeId: 'gpu-01', metric: 'gpu.temperature_c', device: GPU, t: T, v: 47 },
      { nodeId: 'gpu-01', metric: 'cpu.util_pct', device: '', t: T, v: 12.5 },
      { nodeId: 'gpu-01', metric: 'gpu.memory_used_mib', device: GPU, t: T, v: 2 },
      { nodeId: 'gpu-02', metric: 'gpu.temperature_c', device: GPU, t: T + 1000, v: 51 },
    ],
    nodes: [
      { id: 'gpu-01', status: 'up' },
      { id: 'gpu-02', status: 'unreachable' },
    ],
    alertCounts: [
      { severity: 'critical', state: 'firing', count: 1 },
      { severity: 'critical', state: 'pending', count: 0 },
    ],
    openAlerts: [{ ruleId: 'gpu-fallen-off-bus', nodeId: 'gpu-01', subject: GPU, severity: 'critical', state: 'firing' }],
    ...overrides,
  };
}

/** A label value as a scraper reads it back (the exposition formats' three escapes). */
function unescapeLabelValue(text: string): string {
  return text.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

/** Sample lines split into name, label pairs (read back), value and timestamp. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; rest: string }> {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (.*)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g)) labels[pair[1]!] = unescapeLabelValue(pair[2]!);
      return { name: match[1]!, labels, rest: match[3]! };
    });
}

describe('prometheusMetric', () => {
  it('names every metric by Prometheus conventions, in base units', () => {
    const names = Object.fromEntries(METRIC_NAMES.map((metric) => [metric, prometheusMetric(metric, METRICS[metric].unit)]));
    expect(names).toEqual({
      'cpu.util_pct': { name: 'clusterdeck_cpu_util_percent', unit: 'percent', scale: 1 },
      'cpu.load1': { name: 'clusterdeck_cpu_load1', unit: '', scale: 1 },
      'memory.used_pct': { name: 'clusterdeck_memory_used_percent', unit: 'percent', scale: 1 },
      'memory.used_bytes': { name: 'clusterdeck_memory_used_bytes', unit: 'bytes', scale: 1 },
      'swap.used_bytes': { name: 'clusterdeck_swap_used_bytes', unit: 'bytes', scale: 1 },
      'fs.used_pct': { name: 'clusterdeck_fs_used_percent', unit: 'percent', scale: 1 },
      'net.rx_bytes_per_sec': { name: 'clusterdeck_net_rx_bytes_per_second', unit: 'bytes_per_second', scale: 1 },
      'net.tx_bytes_per_sec': { name: 'clusterdeck_net_tx_bytes_per_second', unit: 'bytes_per_second', scale: 1 },
      'disk.read_bytes_per_sec': { name: 'clusterdeck_disk_read_bytes_per_second', unit: 'bytes_per_second', scale: 1 },
      'disk.write_bytes_per_sec': { name: 'clusterdeck_disk_write_bytes_per_second', unit: 'bytes_per_second', scale: 1 },
      'gpu.util_pct': { name: 'clusterdeck_gpu_util_percent', unit: 'percent', scale: 1 },
      'gpu.memory_used_mib': { name: 'clusterdeck_gpu_memory_used_bytes', unit: 'bytes', scale: 1024 * 1024 },
      'gpu.temperature_c': { name: 'clusterdeck_gpu_temperature_celsius', unit: 'celsius', scale: 1 },
      'gpu.power_w': { name: 'clusterdeck_gpu_power_watts', unit: 'watts', scale: 1 },
    });
  });

  it('makes any other metric name a valid one', () => {
    expect(prometheusMetric('dcgm.xid-errors', null)).toEqual({ name: 'clusterdeck_dcgm_xid_errors', unit: '', scale: 1 });
  });
});

describe('renderExposition (OpenMetrics)', () => {
  const text = renderExposition(input(), 'openmetrics');

  it('writes one family per metric with HELP, TYPE and UNIT, then node up, the alerts and # EOF', () => {
    expect(text).toBe(
      [
        '# HELP clusterdeck_gpu_temperature_celsius GPU temperature (Clusterdeck gpu.temperature_c)',
        '# TYPE clusterdeck_gpu_temperature_celsius gauge',
        '# UNIT clusterdeck_gpu_temperature_celsius celsius',
        `clusterdeck_gpu_temperature_celsius{node="gpu-01",device="${GPU}"} 47 1700000000.123`,
        `clusterdeck_gpu_temperature_celsius{node="gpu-02",device="${GPU}"} 51 1700000001.123`,
        '# HELP clusterdeck_cpu_util_percent CPU utilisation (Clusterdeck cpu.util_pct)',
        '# TYPE clusterdeck_cpu_util_percent gauge',
        '# UNIT clusterdeck_cpu_util_percent percent',
        'clusterdeck_cpu_util_percent{node="gpu-01"} 12.5 1700000000.123',
        '# HELP clusterdeck_gpu_memory_used_bytes GPU memory used (Clusterdeck gpu.memory_used_mib)',
        '# TYPE clusterdeck_gpu_memory_used_bytes gauge',
        '# UNIT clusterdeck_gpu_memory_used_bytes bytes',
        `clusterdeck_gpu_memory_used_bytes{node="gpu-01",device="${GPU}"} 2097152 1700000000.123`,
        `# HELP clusterdeck_metrics_omitted_series Series left out of this scrape (over ${MAX_EXPORTED_SERIES})`,
        '# TYPE clusterdeck_metrics_omitted_series gauge',
        'clusterdeck_metrics_omitted_series 0',
        '# HELP clusterdeck_node_up Whether Clusterdeck reaches the node (1: up or degraded, 0: any other status)',
        '# TYPE clusterdeck_node_up gauge',
        'clusterdeck_node_up{node="gpu-01"} 1',
        'clusterdeck_node_up{node="gpu-02"} 0',
        '# HELP clusterdeck_alerts Open alerts by severity and state',
        '# TYPE clusterdeck_alerts gauge',
        'clusterdeck_alerts{severity="critical",state="firing"} 1',
        'clusterdeck_alerts{severity="critical",state="pending"} 0',
        '# HELP clusterdeck_alert Each open alert (1), like Prometheus ALERTS',
        '# TYPE clusterdeck_alert gauge',
        `clusterdeck_alert{rule="gpu-fallen-off-bus",node="gpu-01",subject="${GPU}",severity="critical",state="firing"} 1`,
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('writes a whole-second timestamp without a fraction', () => {
    const whole = renderExposition(input({ values: [{ nodeId: 'n', metric: 'cpu.load1', device: '', t: 1_700_000_000_000, v: 0.5 }] }), 'openmetrics');
    expect(whole).toContain('clusterdeck_cpu_load1{node="n"} 0.5 1700000000\n');
  });

  it('writes each family in one block, whatever order the values came in', () => {
    const names = samples(text).map((sample) => sample.name);
    const blocks = names.filter((name, i) => name !== names[i - 1]);
    expect(new Set(blocks).size).toBe(blocks.length);
  });
});

describe('renderExposition (text 0.0.4)', () => {
  it('has no UNIT lines and no # EOF, and writes timestamps in milliseconds', () => {
    const text = renderExposition(input(), 'text');
    expect(text).not.toContain('# UNIT');
    expect(text).not.toContain('# EOF');
    expect(text).toContain(`clusterdeck_gpu_temperature_celsius{node="gpu-01",device="${GPU}"} 47 1700000000123\n`);
    expect(text.endsWith('state="firing"} 1\n')).toBe(true);
  });
});

describe('escaping', () => {
  it('escapes backslash, double quote and newline and nothing else', () => {
    expect(escapeLabelValue('a\\b"c\nd\te ü')).toBe('a\\\\b\\"c\\nd\te ü');
  });

  it('replaces a lone surrogate, which is not UTF-8', () => {
    expect(escapeLabelValue('x\uD800y\uDC00z😀')).toBe('x\uFFFDy\uFFFDz😀');
  });

  it.each(['openmetrics', 'text'] as const)('keeps hostile node, device and alert text inside their label values (%s)', (format) => {
    const hostileDevice = `/mnt/a"} 1\nclusterdeck_node_up{node="forged"} 1\n# EOF\n\\`;
    const values: LatestValue[] = [{ nodeId: HOSTILE_HOSTNAME, metric: 'fs.used_pct', device: hostileDevice, t: T, v: 3 }];
    const text = renderExposition(
      input({
        values,
        nodes: [{ id: HOSTILE_HOSTNAME, status: 'up' }],
        openAlerts: [{ ruleId: 'disk-full', nodeId: HOSTILE_HOSTNAME, subject: hostileDevice, severity: 'warning', state: 'pending' }],
      }),
      format,
    );
    const lines = samples(text);
    expect(lines).toHaveLength(1 + 1 + 1 + 2 + 1);
    expect(lines[0]!.labels).toEqual({ node: HOSTILE_HOSTNAME, device: hostileDevice });
    expect(lines.find((line) => line.name === 'clusterdeck_node_up')!.labels).toEqual({ node: HOSTILE_HOSTNAME });
    expect(lines.at(-1)!.labels).toMatchObject({ node: HOSTILE_HOSTNAME, subject: hostileDevice });
    expect(text.match(/^# EOF$/gm)?.length ?? 0).toBe(format === 'openmetrics' ? 1 : 0);
  });

  it('writes one series once even when an alert is listed twice (a scrape with a duplicate is refused)', () => {
    const alert = { ruleId: 'r', nodeId: 'n', subject: '', severity: 'info', state: 'firing' } as const;
    const text = renderExposition(input({ openAlerts: [alert, alert] }), 'openmetrics');
    expect(samples(text).filter((line) => line.name === 'clusterdeck_alert')).toHaveLength(1);
  });
});

describe('bounds', () => {
  it('writes at most MAX_EXPORTED_SERIES series and counts the rest', () => {
    const values: LatestValue[] = Array.from({ length: MAX_EXPORTED_SERIES + 7 }, (_, i) => ({
      nodeId: `node-${i}`,
      metric: 'cpu.util_pct',
      device: '',
      t: T,
      v: 1,
    }));
    const lines = samples(renderExposition(input({ values }), 'openmetrics'));
    expect(lines.filter((line) => line.name === 'clusterdeck_cpu_util_percent')).toHaveLength(MAX_EXPORTED_SERIES);
    expect(lines.find((line) => line.name === 'clusterdeck_metrics_omitted_series')!.rest).toBe('7');
  });
});

describe('negotiateFormat', () => {
  it("answers OpenMetrics to Prometheus 2.42's Accept header, to none and to */*", () => {
    const prometheus = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(negotiateFormat(prometheus)).toBe('openmetrics');
    expect(negotiateFormat(undefined)).toBe('openmetrics');
    expect(negotiateFormat('*/*')).toBe('openmetrics');
  });

  it('answers the text format to a client that ranks it first', () => {
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('text');
    expect(negotiateFormat('application/openmetrics-text;q=0.3, text/plain;version=0.0.4;q=0.9')).toBe('text');
    expect(negotiateFormat('text/plain;q=0')).toBe('openmetrics');
  });
});
