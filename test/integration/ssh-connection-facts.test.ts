// The connect-time facts (and the probe of df and timeout that picks the per-tick script) are
// read once per connection against a real OpenSSH server (the SSH lab): not every tick, and
// again when the node comes back on a new connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { NodeStateSchema } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';
import { SshLab } from '../helpers/ssh-lab';

let lab: SshLab;

beforeAll(async () => {
  lab = await SshLab.create({ hosts: [{ name: 'renamed' }] });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
});

describe('facts per connection', () => {
  it('keeps the facts on one connection and reads them again on the next', async () => {
    const host = lab.host('renamed');
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 1000, nvidiaSmiTimeoutMs: 5000 } }),
      dbPath: ':memory:',
      configPath: '/nonexistent.yaml',
      mode: 'serve',
      log: silentLogger,
      includeLocal: false,
      useInventory: false,
      sshNodes: [
        {
          id: 'renamed',
          host: host.address,
          port: host.port,
          user: host.user,
          identityFiles: [host.privateKeyPath],
          useAgent: false,
          proxyJump: [],
          labels: [],
        },
      ],
      knownHostsFile: lab.knownHostsPath,
      userKnownHostsFiles: [],
    });
    try {
      expect((await engine.collectOnce()).map((s) => s.hostname)).toEqual(['renamed']);
      await lab.setHostname('renamed', 'renamed-2');
      // The same connection: the per-tick script does not read the facts again.
      expect((await engine.collectOnce()).map((s) => s.hostname)).toEqual(['renamed']);

      await lab.stopSshd('renamed');
      await lab.startSshd('renamed');
      let back: NodeSnapshot[] = [];
      for (let i = 0; i < 30 && back.length === 0; i += 1) {
        await engine.handlers['nodes:retry']({ nodeId: 'renamed' });
        back = await engine.collectOnce();
        if (back.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(back.map((s) => s.hostname)).toEqual(['renamed-2']);
      expect(NodeStateSchema.parse(engine.nodeStates()[0]).status).toBe('up');
    } finally {
      engine.close();
    }
  });
});
