// SSH nodes against real OpenSSH servers (test/helpers/ssh-lab.ts): several nodes at once, a
// node behind a bastion, host keys unknown/changed, a dead sshd that comes back, a hung
// nvidia-smi, a flood of output, a wrong key, an encrypted key, a hostile hostname; through
// the engine and through the CLI.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/core/engine';
import type { SecretStore } from '../../electron/core/hosts/ssh/credentials';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { NodeStateSchema, type SshNode } from '../../shared/model/inventory';
import { NodeSnapshotSchema, type NodeSnapshot } from '../../shared/model/node';
import { isolatedEnv, runCli } from '../helpers/cli';
import { camelKeys, readFixture } from '../helpers/fixtures';
import { HOSTILE_HOSTNAME, LAB_PASSPHRASE, SshLab, type LabHost } from '../helpers/ssh-lab';
import { tempDir } from '../helpers/tmp';

const A5000 = '2x-rtx-a5000-drv590-v13.xml';
const T4 = 'tesla-t4-linux-drv515-v11.xml';

let lab: SshLab;

beforeAll(async () => {
  lab = await SshLab.create({
    hosts: [
      { name: 'h1', nvidiaSmi: { xmlFixture: A5000 } },
      { name: 'h2', nvidiaSmi: { xmlFixture: T4 } },
      { name: 'h3' },
      { name: 'hostile', hostname: HOSTILE_HOSTNAME },
      { name: 'hidden', nvidiaSmi: { xmlFixture: T4 } },
    ],
    bastion: { name: 'bastion', hiddenHosts: ['hidden'] },
  });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
});

afterEach(async () => {
  // A failed test must not leave a host down for the next one.
  for (const host of lab.hosts()) if (!host.running) await lab.startSshd(host.name);
});

function nodeOf(host: LabHost, overrides: Partial<SshNode> = {}): SshNode {
  const bastion = host.jumpHost ? lab.host(host.jumpHost) : null;
  return {
    id: host.name,
    host: host.address,
    port: host.port,
    user: host.user,
    identityFiles: [host.privateKeyPath],
    useAgent: false,
    proxyJump: bastion ? [{ host: bastion.address, port: bastion.port, user: bastion.user, identityFiles: [bastion.privateKeyPath] }] : [],
    labels: [],
    ...overrides,
  };
}

function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return { available: true, get: (k) => values.get(k) ?? null, set: (k, v) => void values.set(k, v), delete: (k) => void values.delete(k) };
}

/** An engine polling `nodes`; `knownHosts: null` leaves the app's own known_hosts at its default place. */
function engineFor(
  nodes: SshNode[],
  options: { knownHosts?: string | null; acceptNew?: boolean; intervalMs?: number; nvidiaSmiTimeoutMs?: number; secrets?: SecretStore } = {},
): Engine {
  return createEngine({
    config: ConfigSchema.parse({ collection: { intervalMs: options.intervalMs ?? 2000, nvidiaSmiTimeoutMs: options.nvidiaSmiTimeoutMs ?? 5000 } }),
    dbPath: ':memory:',
    configPath: '/nonexistent.yaml',
    mode: 'serve',
    log: silentLogger,
    includeLocal: false,
    useInventory: false,
    sshNodes: nodes,
    knownHostsFile: options.knownHosts === null ? undefined : (options.knownHosts ?? lab.knownHostsPath),
    userKnownHostsFiles: [],
    acceptNewHostKeys: options.acceptNew ?? false,
    secrets: options.secrets,
  });
}

const expectedGpus = (fixture: string) =>
  (camelKeys(JSON.parse(readFixture('nvidia-smi', 'xml', fixture.replace('.xml', '.expected.json')))) as { gpus: Array<Record<string, unknown>> }).gpus;

function stateOf(engine: Engine, id: string) {
  return NodeStateSchema.parse(engine.nodeStates().find((s) => s.id === id));
}

describe('SSH nodes through the engine', () => {
  it('collects three nodes at once: hostname, OS, CPU, memory, disks and their own GPUs', async () => {
    const engine = engineFor(['h1', 'h2', 'h3'].map((name) => nodeOf(lab.host(name))));
    try {
      const snapshots = await engine.collectOnce();
      const byId = new Map<string, NodeSnapshot>(snapshots.map((s) => [s.id, NodeSnapshotSchema.parse(s)]));
      expect([...byId.keys()].sort()).toEqual(['h1', 'h2', 'h3']);
      for (const name of ['h1', 'h2', 'h3']) {
        const s = byId.get(name)!;
        expect(s.hostname).toBe(name);
        expect(s.os.platform).toBe('linux');
        expect(s.cpu!.cores).toBeGreaterThan(0);
        expect(s.memory!.totalBytes).toBeGreaterThan(0);
        expect(s.filesystems.map((f) => f.mount)).toContain('/');
        expect(stateOf(engine, name).status).toBe('up');
      }
      const h1Gpus = byId.get('h1')!.gpus;
      expect(byId.get('h1')!.gpuStatus.state).toBe('ok');
      expect(h1Gpus.map((g) => g.uuid)).toEqual(expectedGpus(A5000).map((g) => g.uuid));
      expect(h1Gpus[0]!.fbMemoryTotalMib).toBe(expectedGpus(A5000)[0]!.fbMemoryTotalMib);
      expect(byId.get('h2')!.gpus.map((g) => g.productName)).toEqual(expectedGpus(T4).map((g) => g.productName));
      expect(byId.get('h3')!.gpuStatus.state).toBe('no-gpu');
      expect(stateOf(engine, 'h3').missing).toContain('nvidia-smi');
    } finally {
      engine.close();
    }
  });

  it('reaches a node through a ProxyJump bastion that is not reachable directly', async () => {
    const engine = engineFor([nodeOf(lab.host('hidden'))]);
    try {
      const [snapshot] = await engine.collectOnce();
      expect(snapshot?.hostname).toBe('hidden');
      expect(snapshot?.gpus.map((g) => g.productName)).toEqual(expectedGpus(T4).map((g) => g.productName));
      expect(stateOf(engine, 'hidden').address).toMatch(/ via /);
      // The same node without the jump: no route from here.
      const direct = engineFor([nodeOf(lab.host('hidden'), { id: 'hidden-direct', proxyJump: [] })]);
      try {
        expect(await direct.collectOnce()).toEqual([]);
        expect(stateOf(direct, 'hidden-direct').status).toBe('unreachable');
      } finally {
        direct.close();
      }
    } finally {
      engine.close();
    }
  });

  it('asks before trusting an unknown host key, and trusts exactly the confirmed fingerprint', async () => {
    const knownHosts = join(tempDir(), 'known_hosts');
    const engine = engineFor([nodeOf(lab.host('h1'))], { knownHosts });
    try {
      expect(await engine.collectOnce()).toEqual([]);
      const state = stateOf(engine, 'h1');
      expect(state.status).toBe('host-key-unknown');
      expect(state.hostKey?.fingerprint).toBe(lab.host('h1').hostKeyFingerprintSha256);
      const wrong = 'SHA256:' + 'A'.repeat(43);
      await expect(engine.handlers['hostKeys:trust']({ nodeId: 'h1', fingerprint: wrong })).rejects.toThrow(/not the key you confirmed/);
      expect(existsSync(knownHosts)).toBe(false);
      await engine.handlers['hostKeys:trust']({ nodeId: 'h1', fingerprint: state.hostKey!.fingerprint });
      expect(readFileSync(knownHosts, 'utf8')).toContain(lab.host('h1').hostPublicKey.split(' ')[1]);
      const snapshots = await engine.handlers['engine:status']({}).then(() => (engine as Engine).collectOnce());
      expect(snapshots.map((s) => s.id)).toEqual(['h1']);
      expect(stateOf(engine, 'h1').status).toBe('up');
    } finally {
      engine.close();
    }
  });

  it("asks for the bastion's own host key when it is the one not known, and records it under the bastion's name", async () => {
    const hidden = lab.host('hidden');
    const bastion = lab.host('bastion');
    const knownHosts = join(tempDir(), 'known_hosts');
    // The target's key is on record; the bastion's is not.
    writeFileSync(knownHosts, `${hidden.hostPublicKeyLine}\n`);
    const engine = engineFor([nodeOf(hidden)], { knownHosts });
    try {
      expect(await engine.collectOnce()).toEqual([]);
      const state = stateOf(engine, 'hidden');
      expect(state.status).toBe('host-key-unknown');
      expect(state.hostKey).toMatchObject({ host: bastion.address, port: bastion.port, fingerprint: bastion.hostKeyFingerprintSha256 });
      await engine.handlers['hostKeys:trust']({ nodeId: 'hidden', fingerprint: bastion.hostKeyFingerprintSha256 });
      const lines = readFileSync(knownHosts, 'utf8').trim().split('\n');
      expect(lines).toContain(bastion.hostPublicKeyLine.trim());
      expect(lines).toContain(hidden.hostPublicKeyLine.trim());
      expect(lines).toHaveLength(2);
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['hidden']);
      expect(stateOf(engine, 'hidden').status).toBe('up');
    } finally {
      engine.close();
    }
  });

  it('keeps its own known_hosts inside the data directory when the database is in memory', async () => {
    const dataHome = tempDir();
    const saved = process.env.XDG_DATA_HOME;
    process.env.XDG_DATA_HOME = dataHome;
    const engine = engineFor([nodeOf(lab.host('h3'))], { knownHosts: null, acceptNew: true });
    try {
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['h3']);
      expect(readFileSync(join(dataHome, 'clusterdeck', 'known_hosts'), 'utf8')).toContain(lab.host('h3').hostPublicKey.split(' ')[1]);
      expect(existsSync(join(dataHome, 'known_hosts'))).toBe(false);
    } finally {
      engine.close();
      if (saved === undefined) delete process.env.XDG_DATA_HOME;
      else process.env.XDG_DATA_HOME = saved;
    }
  });

  it('reports a wrong key as auth-failed, and an encrypted key as needing its passphrase until it is given', async () => {
    const wrong = engineFor([nodeOf(lab.host('h2'), { id: 'wrong-key', identityFiles: [lab.keys.unauthorized.privateKeyPath] })]);
    try {
      expect(await wrong.collectOnce()).toEqual([]);
      const state = stateOf(wrong, 'wrong-key');
      expect(state.status).toBe('auth-failed');
      expect(state.lastError).toMatch(/authentication .* failed/);
    } finally {
      wrong.close();
    }
    const secrets = memorySecrets();
    const encrypted = engineFor([nodeOf(lab.host('h2'), { id: 'encrypted-key', identityFiles: [lab.keys.passphrase.privateKeyPath] })], { secrets });
    try {
      expect(await encrypted.collectOnce()).toEqual([]);
      expect(stateOf(encrypted, 'encrypted-key')).toMatchObject({ status: 'auth-failed', lastError: expect.stringMatching(/encrypted/) });
      await encrypted.handlers['keys:passphrase']({ keyPath: lab.keys.passphrase.privateKeyPath, passphrase: LAB_PASSPHRASE });
      const again = await encrypted.collectOnce();
      expect(again.map((s) => s.id)).toEqual(['encrypted-key']);
      // The passphrase went to the secret store, nowhere else.
      expect(secrets.get(`ssh-key-passphrase:${lab.keys.passphrase.privateKeyPath}`)).toBe(LAB_PASSPHRASE);
    } finally {
      encrypted.close();
    }
  });

  it('treats a hostile hostname as data: never run, and not shown as a host name', async () => {
    rmSync('/tmp/cd-pwned', { force: true });
    const engine = engineFor([nodeOf(lab.host('hostile'))]);
    try {
      const [snapshot] = await engine.collectOnce();
      // Not a host name a kernel of a real node would report: the node is shown by its alias.
      expect(lab.host('hostile').hostname).toBe(HOSTILE_HOSTNAME);
      expect(snapshot?.hostname).toBe('hostile');
      expect(snapshot?.cpu).not.toBeNull();
      expect(existsSync('/tmp/cd-pwned')).toBe(false);
      expect((await lab.execInHost('hostile', ['sh', '-c', 'test -e /tmp/cd-pwned && echo yes || echo no'])).stdout.trim()).toBe('no');
    } finally {
      engine.close();
    }
    await expect(engineFor([]).handlers['nodes:add']({ node: nodeOf(lab.host('h3'), { id: 'h3$(id)' }) })).rejects.toThrow();
  });
});

describe('a node that fails does not hold the others', () => {
  it('a dead sshd makes its node unreachable; it comes back after the restart, without restarting the engine', async () => {
    const engine = engineFor(
      ['h1', 'h3'].map((name) => nodeOf(lab.host(name))),
      { intervalMs: 1000 },
    );
    try {
      expect((await engine.collectOnce()).map((s) => s.id).sort()).toEqual(['h1', 'h3']);
      await lab.stopSshd('h3');
      const during = await engine.collectOnce();
      expect(during.map((s) => s.id)).toEqual(['h1']);
      expect(stateOf(engine, 'h3').status).toBe('unreachable');
      await lab.startSshd('h3');
      let back: NodeSnapshot[] = [];
      for (let i = 0; i < 30 && !back.some((s) => s.id === 'h3'); i += 1) {
        await new Promise((r) => setTimeout(r, 500));
        back = await engine.collectOnce();
      }
      expect(back.map((s) => s.id).sort()).toEqual(['h1', 'h3']);
      expect(stateOf(engine, 'h3').status).toBe('up');
    } finally {
      engine.close();
    }
  });

  it('a hung nvidia-smi times out on its node while the other nodes keep their tick', async () => {
    lab.setNvidiaSmi('h2', { script: 'exec sleep 600' });
    // The timeout leaves a loaded machine room for h1's healthy read; the hang is 600 s.
    const engine = engineFor(
      ['h1', 'h2'].map((name) => nodeOf(lab.host(name))),
      { intervalMs: 5000, nvidiaSmiTimeoutMs: 3000 },
    );
    try {
      await engine.collectOnce();
      const started = performance.now();
      const snapshots = await engine.collectOnce();
      expect(performance.now() - started).toBeLessThan(30_000);
      const byId = new Map(snapshots.map((s) => [s.id, s]));
      expect(byId.get('h1')?.gpuStatus.state).toBe('ok');
      const h2 = byId.get('h2');
      expect(h2?.gpuStatus.state).toBe('timeout');
      expect(h2?.cpu).not.toBeNull();
      expect(stateOf(engine, 'h2').status).toBe('degraded');
    } finally {
      engine.close();
      lab.setNvidiaSmi('h2', { xmlFixture: T4 });
    }
  });

  it('shows a failing nvidia-smi -q -x as a GPU failure, not as "no GPU", on a node read through the XML', async () => {
    // The lab's fake nvidia-smi answers only -q -x, so the CSV query fails and the node reads the XML.
    const engine = engineFor([nodeOf(lab.host('h2'))]);
    try {
      const [first] = await engine.collectOnce();
      expect(first?.gpuStatus.state).toBe('ok');
      lab.setNvidiaSmi('h2', { script: 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." ; exit 9' });
      const [snapshot] = await engine.collectOnce();
      expect(snapshot?.gpuStatus.state).toBe('driver-not-loaded');
      expect(snapshot?.gpus).toEqual([]);
      expect(stateOf(engine, 'h2').status).toBe('degraded');
    } finally {
      engine.close();
      lab.setNvidiaSmi('h2', { xmlFixture: T4 });
    }
  });

  it('caps a flood of output instead of reading it all', async () => {
    lab.setNvidiaSmi('h1', { floodBytes: 50_000_000 });
    const engine = engineFor([nodeOf(lab.host('h1'))]);
    try {
      const rssBefore = process.memoryUsage().rss;
      const [snapshot] = await engine.collectOnce();
      expect(snapshot?.gpuStatus.state).not.toBe('ok');
      expect(snapshot?.errors.length).toBeGreaterThan(0);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    } finally {
      engine.close();
      lab.setNvidiaSmi('h1', { xmlFixture: A5000 });
    }
  });

  it('refuses a host whose key changed, and keeps refusing until the new key is trusted', async () => {
    const knownHosts = join(tempDir(), 'known_hosts');
    writeFileSync(knownHosts, `${lab.host('h3').hostPublicKeyLine}\n`);
    const before = lab.host('h3').hostKeyFingerprintSha256;
    await lab.rotateHostKey('h3');
    const after = lab.host('h3').hostKeyFingerprintSha256;
    expect(after).not.toBe(before);
    const engine = engineFor([nodeOf(lab.host('h3'))], { knownHosts, acceptNew: true });
    try {
      expect(await engine.collectOnce()).toEqual([]);
      let state = stateOf(engine, 'h3');
      expect(state.status).toBe('host-key-mismatch');
      expect(state.hostKey).toMatchObject({ fingerprint: after, knownFingerprints: [before] });
      expect(await engine.collectOnce()).toEqual([]);
      await engine.handlers['nodes:retry']({ nodeId: 'h3' });
      expect(await engine.collectOnce()).toEqual([]);
      state = stateOf(engine, 'h3');
      expect(state.status).toBe('host-key-mismatch');
      await engine.handlers['hostKeys:trust']({ nodeId: 'h3', fingerprint: after });
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['h3']);
      expect(readFileSync(knownHosts, 'utf8')).not.toContain(before.replace('SHA256:', ''));
    } finally {
      engine.close();
      lab.writeKnownHosts();
    }
  });
});

describe('clusterdeck collect --ssh-config', () => {
  it('prints one JSON entry per node from the ssh config, failed ones with status and error, and exits 1', () => {
    const env = isolatedEnv();
    const result = runCli(
      [
        'collect',
        '--once',
        '--json',
        '--ssh-config',
        lab.sshConfigPath,
        '--host',
        'h1',
        '--host',
        'hidden',
        '--host',
        'h2',
        '--known-hosts',
        lab.knownHostsPath,
      ],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { nodes: Array<{ id: string; hostname: string }> };
    expect(document.nodes.map((n) => [n.id, n.hostname])).toEqual([
      ['h1', 'h1'],
      ['hidden', 'hidden'],
      ['h2', 'h2'],
    ]);

    const unknownKeys = join(tempDir(), 'empty_known_hosts');
    const refused = runCli(['collect', '--once', '--json', '--ssh-config', lab.sshConfigPath, '--host', 'h1', '--known-hosts', unknownKeys], env);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ nodes: [{ id: 'h1', status: 'host-key-unknown', error: expect.stringMatching(/not known yet/) }] });

    const accepted = runCli(
      ['collect', '--once', '--json', '--ssh-config', lab.sshConfigPath, '--host', 'h1', '--known-hosts', unknownKeys, '--accept-new', '--local'],
      env,
    );
    expect(accepted.status).toBe(0);
    const nodes = (JSON.parse(accepted.stdout) as { nodes: Array<{ id: string }> }).nodes;
    expect(nodes).toHaveLength(2);
    expect(nodes[1]!.id).toBe('h1');
    expect(readFileSync(unknownKeys, 'utf8')).toContain(lab.host('h1').hostPublicKey.split(' ')[1]);
  });
});
