// One node's `nvidia-smi -q -x` reads with back-off, on the real local host with a fake
// nvidia-smi on PATH (no GPU here) that counts its runs and prints what the test chose.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NvidiaSmiXmlReader, XML_BACKOFF_FIRST_MS, XML_BACKOFF_MAX_MS } from '../../../electron/core/collectors/gpu';
import { createNvidiaSmiXmlParser } from '../../../electron/core/collectors/nvidia-smi-xml-parser';
import { COLLECTOR_POLICY } from '../../../electron/core/collectors/command-specs';
import { LocalHost } from '../../../electron/core/hosts/local';
import { fakeNvidiaSmi } from '../../helpers/fake-nvidia-smi';
import { fixturePath } from '../../helpers/fixtures';

const work = mkdtempSync(join(tmpdir(), 'cd-xml-reader-'));
const runs = join(work, 'runs');
const answer = join(work, 'answer');
const fake = fakeNvidiaSmi({ script: `echo run >> '${runs}'\ncat '${answer}'` });
const savedPath = process.env.PATH;

beforeAll(() => {
  process.env.PATH = fake.path;
});
afterAll(() => {
  process.env.PATH = savedPath;
});

const runCount = () => readFileSync(runs, 'utf8').split('\n').filter(Boolean).length;

describe('NvidiaSmiXmlReader', () => {
  it('backs off after unreadable XML (1 min, doubling, up to 30), and reads again once it is good', async () => {
    let now = 1_000_000;
    const reader = new NvidiaSmiXmlReader(new LocalHost(COLLECTOR_POLICY), 10_000, createNvidiaSmiXmlParser(), () => now);
    writeFileSync(runs, '');
    // A hostile node: nesting past the bound.
    writeFileSync(answer, `<nvidia_smi_log>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</nvidia_smi_log>`);

    const first = await reader.read();
    expect(first.status.state).toBe('invalid-output');
    expect(first.status.message).toMatch(/nested deeper/);
    expect(runCount()).toBe(1);

    // The next ticks inside the minute do not run nvidia-smi or parse anything.
    now += 10_000;
    const paused = await reader.read();
    expect(paused.status.state).toBe('invalid-output');
    expect(paused.status.message).toMatch(/asked again in 50 s/);
    expect(reader.backingOff()).toBe(true);
    now += 45_000;
    await reader.read();
    expect(runCount()).toBe(1);

    // Past the minute: asked again, still bad, so two minutes now.
    now += XML_BACKOFF_FIRST_MS;
    await reader.read();
    expect(runCount()).toBe(2);
    now += 2 * XML_BACKOFF_FIRST_MS - 1000;
    expect((await reader.read()).status.message).toMatch(/asked again in 1 s/);
    expect(runCount()).toBe(2);

    // The node is fixed: the next read after the pause gets its GPUs, and back-off is reset.
    writeFileSync(answer, readFileSync(fixturePath('nvidia-smi', 'xml', '2x-rtx-a5000-drv590-v13.xml')));
    now += 1000;
    const good = await reader.read();
    expect(good.status.state).toBe('ok');
    expect(good.gpus).toHaveLength(2);
    expect(reader.backingOff()).toBe(false);
    now += 5000;
    expect((await reader.read()).status.state).toBe('ok');
    expect(runCount()).toBe(4);
  });

  it('never waits longer than the cap between reads', async () => {
    let now = 0;
    const reader = new NvidiaSmiXmlReader(new LocalHost(COLLECTOR_POLICY), 10_000, createNvidiaSmiXmlParser(), () => now);
    writeFileSync(runs, '');
    writeFileSync(answer, 'Segmentation fault');
    for (let i = 0; i < 12; i += 1) {
      await reader.read();
      now += XML_BACKOFF_MAX_MS;
    }
    // Every read came after a pause of at most the cap, so each one ran.
    expect(runCount()).toBe(12);
  });

  it('does not back off for failures that are not the output (a missing nvidia-smi, a driver error)', async () => {
    let now = 0;
    const reader = new NvidiaSmiXmlReader(new LocalHost(COLLECTOR_POLICY), 10_000, createNvidiaSmiXmlParser(), () => now);
    writeFileSync(runs, '');
    writeFileSync(answer, readFileSync(fixturePath('nvidia-smi', 'errors', 'driver-not-loaded.txt')));
    expect((await reader.read()).status.state).toBe('driver-not-loaded');
    now += 5000;
    await reader.read();
    expect(runCount()).toBe(2);
  });
});
