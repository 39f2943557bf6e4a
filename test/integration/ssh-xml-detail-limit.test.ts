// The every-few-minutes `nvidia-smi -q -x` of SSH nodes, read by at most MAX_XML_DETAIL_READS
// nodes at once: a real sshd host (test/helpers/ssh-lab.ts) with a fake nvidia-smi printing real
// captures, read by one more collector than the limit; the XML parser holds every document until
// the test lets it go, so all reads overlap. The one left over collects without the XML's details
// and reads them on its next collection.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseNvidiaSmiXml, type NvidiaSmiReport } from '../../electron/core/collectors/nvidia-smi-xml';
import type { NvidiaSmiXmlParser } from '../../electron/core/collectors/nvidia-smi-xml-parser';
import { MAX_XML_DETAIL_READS, SshNodeCollector } from '../../electron/core/collectors/ssh-node';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { silentLogger } from '../../electron/core/log';
import type { NodeSnapshot } from '../../shared/model/node';
import { SshLab } from '../helpers/ssh-lab';

let lab: SshLab;

beforeAll(async () => {
  lab = await SshLab.create({
    hosts: [{ name: 'gpu1', nvidiaSmi: { xmlFixture: 'tesla-t4-linux-drv515-v11.xml', queryGpuFixture: 'h200-linux-drv590.48.01-load.query-gpu.csv' } }],
  });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
});

/** Parses inline, but answers only once open() is called. */
function gatedParser(): NvidiaSmiXmlParser & { calls: number; open(): void } {
  let opened = false;
  const held: Array<() => void> = [];
  return {
    threaded: false,
    calls: 0,
    parse(text: string): Promise<NvidiaSmiReport> {
      this.calls += 1;
      return new Promise<void>((resolve) => (opened ? resolve() : held.push(resolve))).then(() => parseNvidiaSmiXml(text));
    },
    open() {
      opened = true;
      for (const resolve of held.splice(0)) resolve();
    },
    close() {},
  };
}

describe('the XML details of SSH nodes', () => {
  it(`are read by at most ${MAX_XML_DETAIL_READS} nodes at once; the others read them on a later collection`, async () => {
    const host = lab.host('gpu1');
    const pool = new SshPool({
      hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
      credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
    });
    const parser = gatedParser();
    const collectors = Array.from(
      { length: MAX_XML_DETAIL_READS + 1 },
      (_, i) =>
        new SshNodeCollector(
          {
            id: `n${i}`,
            host: host.address,
            port: host.port,
            user: host.user,
            identityFiles: [host.privateKeyPath],
            useAgent: false,
            proxyJump: [],
            labels: [],
          },
          pool,
          { nvidiaSmiTimeoutMs: 10_000, xmlParser: parser, log: silentLogger },
        ),
    );
    try {
      const done = new Map<string, NodeSnapshot | null>();
      const all = collectors.map((c) => c.collect(Date.now()).then((snapshot) => done.set(c.nodeId, snapshot)));
      await vi.waitFor(
        () => {
          expect(parser.calls).toBe(MAX_XML_DETAIL_READS);
          expect(done.size).toBe(1);
        },
        { timeout: 60_000, interval: 50 },
      );
      const [leftOver, early] = [...done][0]!;
      // Its GPUs from the CSV; the CUDA version only the XML gives is not there yet.
      expect(early!.gpuStatus).toMatchObject({ state: 'ok', cudaVersion: null });
      expect(early!.gpus.length).toBeGreaterThan(0);
      parser.open();
      await Promise.all(all);
      expect(parser.calls).toBe(MAX_XML_DETAIL_READS);
      expect([...done.values()].filter((s) => s!.gpuStatus.cudaVersion !== null)).toHaveLength(MAX_XML_DETAIL_READS);
      const again = await collectors.find((c) => c.nodeId === leftOver)!.collect(Date.now());
      expect(parser.calls).toBe(MAX_XML_DETAIL_READS + 1);
      expect(again!.gpuStatus.cudaVersion).not.toBeNull();
    } finally {
      for (const c of collectors) c.close();
      pool.closeAll();
    }
  }, 120_000);
});
