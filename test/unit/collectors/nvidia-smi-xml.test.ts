import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../electron/core/collectors/nvidia-smi-xml';
import { GpuSchema } from '../../../shared/model/gpu';
import { XmlParseError } from '../../../electron/core/xml/safe-xml';
import { camelKeys, listFixtures, readFixture } from '../../helpers/fixtures';

const XML_FILES = listFixtures('nvidia-smi/xml', '.xml');

describe('parseNvidiaSmiXml over every real capture', () => {
  it('has the captures to test', () => {
    expect(XML_FILES.length).toBeGreaterThanOrEqual(17);
  });

  for (const file of XML_FILES) {
    it(`${file} parses to exactly its expected values`, () => {
      const expected = camelKeys(JSON.parse(readFixture('nvidia-smi/xml', file.replace(/\.xml$/, '.expected.json')))) as {
        gpus: Array<Record<string, unknown>>;
        driverVersion: string | null;
        cudaVersion: string | null;
        kmdVersion: string | null;
        attachedGpus: number | null;
        timestamp: string | null;
        dtdVersion: number | null;
        gpuCount: number;
      };
      const report = parseNvidiaSmiXml(readFixture('nvidia-smi/xml', file));
      expect(report.gpus).toHaveLength(expected.gpuCount);
      expect({
        driverVersion: report.driverVersion,
        cudaVersion: report.cudaVersion,
        kmdVersion: report.kmdVersion,
        attachedGpus: report.attachedGpus,
        timestamp: report.timestamp,
        dtdVersion: report.dtdVersion,
      }).toEqual({
        driverVersion: expected.driverVersion,
        cudaVersion: expected.cudaVersion,
        kmdVersion: expected.kmdVersion,
        attachedGpus: expected.attachedGpus,
        timestamp: expected.timestamp,
        dtdVersion: expected.dtdVersion,
      });
      report.gpus.forEach((gpu, i) => {
        // Every field of the reference, with its value; our model may carry more.
        const picked = Object.fromEntries(Object.keys(expected.gpus[i]!).map((key) => [key, (gpu as Record<string, unknown>)[key]]));
        expect(picked).toEqual(expected.gpus[i]);
        expect(GpuSchema.parse(gpu)).toEqual(gpu);
      });
      expect(report.warnings).toEqual([]);
    });
  }
});

describe('parseNvidiaSmiXml on hostile or broken input', () => {
  const good = readFixture('nvidia-smi/xml', '2x-rtx-a5000-drv590-v13.xml');

  it('refuses empty output', () => {
    expect(() => parseNvidiaSmiXml('')).toThrow(/empty output/);
    expect(() => parseNvidiaSmiXml('  \n ')).toThrow(XmlParseError);
  });

  it('refuses text that is not XML', () => {
    expect(() => parseNvidiaSmiXml('NVIDIA-SMI has failed because it could not communicate')).toThrow(/not valid XML/);
  });

  it('refuses truncated XML', () => {
    expect(() => parseNvidiaSmiXml(good.slice(0, Math.floor(good.length / 2)))).toThrow(/not valid XML/);
  });

  it('refuses XML with another root element', () => {
    expect(() => parseNvidiaSmiXml('<html><body>proxy error</body></html>')).toThrow(/root element is <html>/);
  });

  it('never expands an entity bomb (billion laughs) and fails fast', () => {
    const levels = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i < 10; i += 1) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    const bomb = `<?xml version="1.0"?><!DOCTYPE nvidia_smi_log [${levels.join('')}]><nvidia_smi_log><driver_version>&lol9;</driver_version></nvidia_smi_log>`;
    const started = performance.now();
    expect(() => parseNvidiaSmiXml(bomb)).toThrow(/Invalid character entity/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('never reads an external entity', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE nvidia_smi_log [<!ENTITY x SYSTEM "file:///etc/passwd">]><nvidia_smi_log><driver_version>&x;</driver_version></nvidia_smi_log>`;
    expect(() => parseNvidiaSmiXml(xxe)).toThrow(XmlParseError);
  });

  it('keeps __proto__ and constructor elements away from prototypes', () => {
    const hostile = good
      .replace('<gpu id=', '<__proto__><polluted>yes</polluted><uuid>evil</uuid></__proto__><gpu id=')
      .replace(
        '<product_name>',
        '<constructor><prototype><polluted>yes</polluted></prototype></constructor><__proto__><uuid>evil</uuid></__proto__><product_name>',
      );
    const report = parseNvidiaSmiXml(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(report.gpus).toHaveLength(2);
    expect(report.gpus[0]!.uuid).toMatch(/^GPU-/);
    expect(report.gpus[0]!.productName).toBe('NVIDIA RTX A5000');
  });

  it('reads an odd unit as null with a warning, not as a wrong number', () => {
    const odd = good.replace(/<total>24564 MiB<\/total>/, '<total>24 GiB</total>');
    const report = parseNvidiaSmiXml(odd);
    expect(report.gpus[0]!.fbMemoryTotalMib).toBeNull();
    expect(report.warnings.join()).toMatch(/fb_memory_usage\/total: unit "GiB"/);
  });
});

describe('parseNvidiaSmiXml bounds: what a hostile node can make it do', () => {
  const good = readFixture('nvidia-smi/xml', '2x-rtx-a5000-drv590-v13.xml');

  it('refuses a document over 1 MiB before parsing it', () => {
    const big = good.replace('</nvidia_smi_log>', `<pad>${'x'.repeat(1024 * 1024)}</pad></nvidia_smi_log>`);
    expect(() => parseNvidiaSmiXml(big)).toThrow(/XML longer than 1048576 characters/);
  });

  it('stops at nesting deeper than the bound (7.7 MB of it held the engine for 10 s)', () => {
    const deep = `<nvidia_smi_log>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</nvidia_smi_log>`;
    expect(() => parseNvidiaSmiXml(deep)).toThrow(/nested deeper than 24 elements/);
  });

  it('stops at more elements than the bound (8 MB of siblings held it for 4.4 s)', () => {
    const flat = `<nvidia_smi_log>${'<b/>'.repeat(60_000)}</nvidia_smi_log>`;
    expect(flat.length).toBeLessThan(1024 * 1024);
    expect(() => parseNvidiaSmiXml(flat)).toThrow(/more than 40000 elements/);
  });

  it('reads every real capture within the bounds', () => {
    for (const file of XML_FILES) expect(parseNvidiaSmiXml(readFixture('nvidia-smi/xml', file)).gpus.length).toBeGreaterThan(0);
  });
});

describe('parseNvidiaSmiXml memory', () => {
  it('keeps none of the document alive through the values it returns', () => {
    // An SSH node keeps its last XML GPUs for minutes: values sliced out of the text would keep
    // the whole document (~47 KB a GPU) alive with them.
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const text = readFixture('nvidia-smi/xml', '2x-rtx-a5000-drv590-v13.xml');
    const kept: unknown[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    // A fresh copy of the text each time, as each collection reads a new one.
    for (let i = 0; i < 50; i += 1) kept.push(parseNvidiaSmiXml(Buffer.from(text).toString('utf8')).gpus);
    gc();
    const perDocument = (process.memoryUsage().heapUsed - before) / kept.length;
    expect(perDocument).toBeLessThan(text.length / 4);
  });
});
