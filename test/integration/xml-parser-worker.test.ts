// `nvidia-smi -q -x` is parsed in a worker thread by the compiled engine (it loads
// nvidia-smi-xml-worker.js), so this test drives dist/ as the app does.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as ParserModule from '../../electron/core/collectors/nvidia-smi-xml-parser';
import { parseNvidiaSmiXml } from '../../electron/core/collectors/nvidia-smi-xml';
import { ROOT } from '../helpers/cli';
import { listFixtures, readFixture } from '../helpers/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createNvidiaSmiXmlParser } = require(join(ROOT, 'dist', 'electron', 'core', 'collectors', 'nvidia-smi-xml-parser.js')) as typeof ParserModule;

/** A document within every bound that still takes a while: many GPUs' worth of elements. */
function heavyDocument(): string {
  const gpu = readFixture('nvidia-smi/xml', '2x-rtx-a5000-drv590-v13.xml').match(/<gpu id=[\s\S]*?<\/gpu>/)![0];
  const text = `<nvidia_smi_log><driver_version>1</driver_version>${gpu.repeat(20)}</nvidia_smi_log>`;
  expect(text.length).toBeLessThan(1024 * 1024);
  return text;
}

describe('nvidia-smi XML parsed off the engine thread (compiled engine)', () => {
  it('parses every real capture in the worker exactly as inline', async () => {
    const parser = createNvidiaSmiXmlParser();
    try {
      expect(parser.threaded).toBe(true);
      for (const file of listFixtures('nvidia-smi/xml', '.xml')) {
        const text = readFixture('nvidia-smi/xml', file);
        expect(await parser.parse(text)).toEqual(parseNvidiaSmiXml(text));
      }
    } finally {
      parser.close();
    }
  });

  it('keeps the engine thread free while a document parses: its own timers run meanwhile', async () => {
    const parser = createNvidiaSmiXmlParser();
    try {
      let turns = 0;
      const timer = setInterval(() => (turns += 1), 0);
      const report = await parser.parse(heavyDocument());
      clearInterval(timer);
      expect(report.gpus).toHaveLength(20);
      // Parsed inline, the document would have been read before any timer could run.
      expect(turns).toBeGreaterThan(0);
    } finally {
      parser.close();
    }
  });

  it('gives up a document past its deadline, and the next one gets a fresh thread', async () => {
    const parser = createNvidiaSmiXmlParser({ deadlineMs: 1 });
    const patient = createNvidiaSmiXmlParser();
    try {
      await expect(parser.parse(heavyDocument())).rejects.toThrow(/took longer than 1 ms to parse/);
      // The engine's thread was never held: the deadline fired while the thread was still busy.
      const good = readFixture('nvidia-smi/xml', 'rtx-3090-drv590-v13.xml');
      expect((await patient.parse(good)).gpus).toHaveLength(1);
    } finally {
      parser.close();
      patient.close();
    }
  });

  it('keeps a process that has nothing else to do alive until the answer comes (the idle thread does not)', () => {
    const parserModule = join(ROOT, 'dist', 'electron', 'core', 'collectors', 'nvidia-smi-xml-parser.js');
    const script = `
      const { createNvidiaSmiXmlParser } = require(${JSON.stringify(parserModule)});
      const text = require('node:fs').readFileSync(0, 'utf8');
      createNvidiaSmiXmlParser().parse(text).then((report) => console.log('gpus', report.gpus.length));
    `;
    const out = execFileSync(process.execPath, ['-e', script], { input: readFixture('nvidia-smi/xml', '2x-rtx-a5000-drv590-v13.xml'), timeout: 20_000 });
    expect(out.toString().trim()).toBe('gpus 2');
  });

  it('answers each of many concurrent callers with its own document', async () => {
    const parser = createNvidiaSmiXmlParser();
    try {
      const files = listFixtures('nvidia-smi/xml', '.xml');
      const results = await Promise.allSettled(files.map((file) => parser.parse(readFixture('nvidia-smi/xml', file))));
      results.forEach((result, i) => {
        expect(result.status).toBe('fulfilled');
        if (result.status === 'fulfilled') expect(result.value).toEqual(parseNvidiaSmiXml(readFixture('nvidia-smi/xml', files[i]!)));
      });
      await expect(parser.parse('<nvidia_smi_log>' + '<a>'.repeat(100))).rejects.toThrow(/nested deeper/);
    } finally {
      parser.close();
    }
  });
});
