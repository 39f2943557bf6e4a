import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exposedSamples, parseExposition, parseSampleValue } from '../../../electron/core/sources/exposition';

const FIXTURES = join(__dirname, '../../fixtures/prometheus');
const LIMITS = { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 };

function captures(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.prom'))
    .map((f) => join(dir, f));
}

/** Sample lines of a file, counted the simple way: not blank, not a comment. */
function sampleLineCount(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
}

describe('parseExposition on real captures', () => {
  const files = [...captures('dcgm-exporter'), ...captures('nvidia_gpu_exporter'), ...captures('node-exporter')];

  it('finds every capture', () => {
    expect(files.length).toBe(4 + 13 + 2);
  });

  it.each(files)('%s parses whole, without a warning', (file) => {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const parsed = parseExposition(text, LIMITS);
    expect(parsed.warnings).toEqual([]);
    expect(exposedSamples(parsed)).toHaveLength(sampleLineCount(text));
    // Every family was declared (HELP and TYPE), none made up from a stray sample name.
    for (const family of parsed.families.values()) expect(family.help).not.toBeNull();
  });

  it('reads a dcgm-exporter 4.x family: HELP, TYPE, labels and a six-decimal float', () => {
    const text = readFileSync(join(FIXTURES, 'dcgm-exporter/l40s-drv595.58.03.upcloud-conformance.prom'), 'utf8');
    const power = parseExposition(text, LIMITS).families.get('DCGM_FI_DEV_POWER_USAGE')!;
    expect(power.type).toBe('gauge');
    expect(power.help).toBe('Power draw (in W).');
    expect(power.samples).toEqual([
      {
        name: 'DCGM_FI_DEV_POWER_USAGE',
        labels: {
          gpu: '0',
          UUID: 'GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43',
          pci_bus_id: '00000000:00:07.0',
          device: 'nvidia0',
          modelName: 'NVIDIA L40S',
          Hostname: 'gpu1-wl8sg',
          DCGM_FI_DRIVER_VERSION: '595.58.03',
        },
        value: 35.686,
      },
    ]);
    // Energy in mJ past 2^32.
    expect(parseExposition(text, LIMITS).families.get('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION')!.samples[0]!.value).toBe(5551899580);
  });

  it("keeps a summary's _sum and _count in its family (nvidia_gpu_exporter 2021, go_gc_duration_seconds)", () => {
    const text = readFileSync(join(FIXTURES, 'nvidia_gpu_exporter/windows-rtx-2080-super-drv471.11.live-scrape-2021.prom'), 'utf8');
    const parsed = parseExposition(text, LIMITS);
    const gc = parsed.families.get('go_gc_duration_seconds')!;
    expect(gc.type).toBe('summary');
    expect(gc.samples.map((s) => s.name)).toContain('go_gc_duration_seconds_sum');
    expect(gc.samples.map((s) => s.name)).toContain('go_gc_duration_seconds_count');
    expect(parsed.families.has('go_gc_duration_seconds_sum')).toBe(false);
    // Exponent notation (clocks in Hz).
    const clocks = [...parsed.families.entries()].find(([name]) => name.startsWith('nvidia_smi_clocks_max_graphics'));
    expect(clocks?.[1].samples[0]!.value).toBeGreaterThan(1e9);
  });

  it('reads node_exporter counters, info series and labels with slashes', () => {
    const text = readFileSync(join(FIXTURES, 'node-exporter/debian12-1.5.0-a.prom'), 'utf8');
    const parsed = parseExposition(text, LIMITS);
    expect(parsed.families.get('node_cpu_seconds_total')!.type).toBe('counter');
    expect(parsed.families.get('node_uname_info')!.samples[0]!.labels.sysname).toBe('Linux');
    expect(parsed.openMetrics).toBe(false);
  });
});

describe('parseExposition: the format', () => {
  it('unescapes \\\\, \\" and \\n in label values and HELP, and keeps other escapes as they are', () => {
    const text = ['# HELP x A \\\\ help\\nsecond line', '# TYPE x gauge', 'x{path="C:\\\\dir",msg="say \\"hi\\"\\nbye",odd="a\\tb"} 1', ''].join('\n');
    const parsed = parseExposition(text, LIMITS);
    expect(parsed.warnings).toEqual([]);
    const family = parsed.families.get('x')!;
    expect(family.help).toBe('A \\ help\nsecond line');
    expect(family.samples[0]!.labels).toEqual({ path: 'C:\\dir', msg: 'say "hi"\nbye', odd: 'a\\tb' });
  });

  it('reads NaN, +Inf, -Inf, exponents and a trailing comma in labels', () => {
    const text = 'a NaN\nb +Inf\nc -Inf\nd 1.5e-3\ne{x="1",} 7\nf -0.25\n';
    const samples = exposedSamples(parseExposition(text, LIMITS));
    expect(samples.map((s) => s.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.0015, 7, -0.25]);
    expect(samples[4]!.labels).toEqual({ x: '1' });
  });

  it('reads 0.0.4 timestamps as milliseconds and OpenMetrics timestamps as seconds', () => {
    const classic = exposedSamples(parseExposition('up 1 1700000000123\n', LIMITS));
    expect(classic[0]!.timestampMs).toBe(1700000000123);
    const open = exposedSamples(parseExposition('# TYPE up gauge\nup 1 1700000000.123\n# EOF\n', LIMITS));
    expect(open[0]!.timestampMs).toBe(1700000000123);
  });

  it('reads OpenMetrics: counters declared without _total, _created, histograms, exemplars, # EOF', () => {
    const text = [
      '# TYPE requests counter',
      '# UNIT requests requests',
      '# HELP requests Requests served.',
      'requests_total{code="200"} 1027 # {trace_id="abc"} 1 1700000000.5',
      'requests_created{code="200"} 1700000000.0',
      '# TYPE latency histogram',
      'latency_bucket{le="0.1"} 3',
      'latency_bucket{le="+Inf"} 5',
      'latency_sum 1.2',
      'latency_count 5',
      '# EOF',
      '',
    ].join('\n');
    const parsed = parseExposition(text, LIMITS);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.openMetrics).toBe(true);
    expect(parsed.families.get('requests')!.samples.map((s) => [s.name, s.value])).toEqual([
      ['requests_total', 1027],
      ['requests_created', 1700000000],
    ]);
    expect(parsed.families.get('latency')!.samples.map((s) => s.name)).toEqual(['latency_bucket', 'latency_bucket', 'latency_sum', 'latency_count']);
    expect(parsed.families.get('latency')!.samples[1]!.labels.le).toBe('+Inf');
  });

  it('ignores what follows # EOF, with a warning', () => {
    const parsed = parseExposition('a 1\n# EOF\nb 2\n', LIMITS);
    expect(exposedSamples(parsed).map((s) => s.name)).toEqual(['a']);
    expect(parsed.warnings[0]).toMatch(/after "# EOF"/);
  });

  it('keeps the first of a duplicate series (labels in any order) and says so', () => {
    const parsed = parseExposition('x{a="1",b="2"} 1\nx{b="2",a="1"} 2\nx{a="1"} 3\n', LIMITS);
    expect(exposedSamples(parsed).map((s) => s.value)).toEqual([1, 3]);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/repeats a series/);
  });

  it('skips malformed lines with a warning and reads the rest; CRLF reads as LF', () => {
    const text = ['ok 1', 'bad{a="1" 2', 'bad2{a=1} 2', 'novalue', 'x 1 2 3', 'y notanumber', '{a="1"} 3', 'z 1e999', 'w 4', ''].join('\r\n');
    const parsed = parseExposition(text, LIMITS);
    expect(exposedSamples(parsed).map((s) => [s.name, s.value])).toEqual([
      ['ok', 1],
      ['w', 4],
    ]);
    expect(parsed.warnings).toHaveLength(7);
  });

  it("ignores a HELP or TYPE that comes after its family's samples", () => {
    const parsed = parseExposition('x 1\n# TYPE x counter\n', LIMITS);
    expect(parsed.families.get('x')!.type).toBe('untyped');
    expect(parsed.warnings[0]).toMatch(/after its samples/);
  });

  it('parses sample values like Go', () => {
    expect(parseSampleValue('Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('nan')).toBeNaN();
    expect(parseSampleValue('0x10')).toBeNull();
    expect(parseSampleValue('1_000')).toBeNull();
    expect(parseSampleValue('')).toBeNull();
    expect(parseSampleValue('9223372036854775794')).toBe(9223372036854775794);
  });
});

describe('parseExposition: hostile input stays bounded', () => {
  it('keeps at most maxSeries samples of a million and counts the rest', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i += 1) lines.push(`s{i="${i}"} ${i}`);
    const parsed = parseExposition(lines.join('\n'), { maxSeries: 10_000, maxBytes: 64 * 1024 * 1024 });
    expect(exposedSamples(parsed)).toHaveLength(10_000);
    expect(parsed.warnings).toEqual(['990000 sample(s) past the 10000 kept were not read']);
  });

  it('reads only up to maxBytes, to the last whole line', () => {
    const text = 'a 1\nb 2\nc 3\n';
    const parsed = parseExposition(text, { maxSeries: 10, maxBytes: 9 });
    expect(exposedSamples(parsed).map((s) => s.name)).toEqual(['a', 'b']);
    expect(parsed.warnings[0]).toMatch(/more than the 9 read/);
  });

  it('skips a sample with a huge label value, and a line too long to read, without throwing', () => {
    const huge = 'x'.repeat(100_000);
    const giant = 'y'.repeat(1_000_000);
    const text = `a{v="${huge}"} 1\nb{v="${giant}"} 2\nc{v="short"} 3\n`;
    const parsed = parseExposition(text, LIMITS);
    expect(exposedSamples(parsed).map((s) => s.name)).toEqual(['c']);
    expect(parsed.warnings).toHaveLength(2);
    expect(parsed.warnings.join('\n').length).toBeLessThan(1000);
  });

  it('skips a sample with too many labels', () => {
    const labels = Array.from({ length: 100 }, (_, i) => `l${i}="v"`).join(',');
    const parsed = parseExposition(`a{${labels}} 1\nb 2\n`, LIMITS);
    expect(exposedSamples(parsed).map((s) => s.name)).toEqual(['b']);
    expect(parsed.warnings[0]).toMatch(/more than 64 labels/);
  });

  it('caps its warnings on a text that is all garbage, and never throws on non-text', () => {
    const garbage = Array.from({ length: 10_000 }, (_, i) => `!!${i}`).join('\n');
    const parsed = parseExposition(garbage, LIMITS);
    expect(exposedSamples(parsed)).toHaveLength(0);
    expect(parsed.warnings.length).toBeLessThanOrEqual(21);
    expect(parseExposition(undefined as unknown as string, LIMITS).warnings).toEqual(['not text']);
  });

  it('takes label names like __proto__ as plain labels', () => {
    const parsed = parseExposition('a{__proto__="x",constructor="y"} 1\n', LIMITS);
    const labels = exposedSamples(parsed)[0]!.labels;
    expect(Object.keys(labels)).toEqual(['__proto__', 'constructor']);
    expect(labels.constructor).toBe('y');
  });
});
