// Host keys of another type than the known one, against real OpenSSH servers (the SSH lab): a
// host that offers a known type is checked against it, and one that offers only another type is
// a changed key, refused until trusted explicitly, also under --accept-new.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { NodeStateSchema, type SshNode } from '../../shared/model/inventory';
import { SshLab, type KeyPair, type LabHost } from '../helpers/ssh-lab';
import { generateKeyPair, knownHostsLine } from '../helpers/ssh-lab/keys';

let lab: SshLab;
let dir: string;
/** The second host key of `dual` (its first is the lab's ed25519 one). */
let dualRsa: KeyPair;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cd-host-keys-'));
  dualRsa = await generateKeyPair(join(dir, 'dual_rsa_host_key'), { type: 'rsa', comment: 'host-key@dual' });
  lab = await SshLab.create({
    hosts: [{ name: 'dual', sshdConfig: [`HostKey ${dualRsa.privateKeyPath}`] }, { name: 'rotated' }],
  });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function nodeOf(host: LabHost): SshNode {
  return { id: host.name, host: host.address, port: host.port, user: host.user, identityFiles: [host.privateKeyPath], useAgent: false, proxyJump: [], labels: [] };
}

function engineFor(node: SshNode, knownHosts: string, acceptNew: boolean): Engine {
  return createEngine({
    config: ConfigSchema.parse({ collection: { intervalMs: 2000, nvidiaSmiTimeoutMs: 5000 } }),
    dbPath: ':memory:',
    configPath: '/nonexistent.yaml',
    mode: 'serve',
    log: silentLogger,
    includeLocal: false,
    useInventory: false,
    sshNodes: [node],
    knownHostsFile: knownHosts,
    userKnownHostsFiles: [],
    acceptNewHostKeys: acceptNew,
  });
}

function stateOf(engine: Engine, id: string) {
  return NodeStateSchema.parse(engine.nodeStates().find((s) => s.id === id));
}

describe('host keys of more than one type', () => {
  it('checks a host offering ed25519 and rsa against its known ed25519 key', async () => {
    const knownHosts = join(dir, 'known_ed25519');
    const content = `${lab.host('dual').hostPublicKeyLine}\n`;
    writeFileSync(knownHosts, content);
    const engine = engineFor(nodeOf(lab.host('dual')), knownHosts, false);
    try {
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['dual']);
      expect(stateOf(engine, 'dual').status).toBe('up');
      expect(readFileSync(knownHosts, 'utf8')).toBe(content);
    } finally {
      engine.close();
    }
  });

  it('checks a host offering ed25519 and rsa against its known rsa key, not as a new ed25519 host', async () => {
    const dual = lab.host('dual');
    const knownHosts = join(dir, 'known_rsa');
    const content = `${knownHostsLine(dual.address, dual.port, dualRsa.publicKey)}\n`;
    writeFileSync(knownHosts, content);
    const engine = engineFor(nodeOf(dual), knownHosts, false);
    try {
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['dual']);
      expect(stateOf(engine, 'dual').status).toBe('up');
      expect(readFileSync(knownHosts, 'utf8')).toBe(content);
    } finally {
      engine.close();
    }
  });

  it('refuses a host that now offers only rsa where ed25519 is known, also with accept-new, until trusted', async () => {
    const knownHosts = join(dir, 'known_rotated');
    const content = `${lab.host('rotated').hostPublicKeyLine}\n`;
    writeFileSync(knownHosts, content);
    const ed25519 = lab.host('rotated').hostKeyFingerprintSha256;
    const rsa = await lab.rotateHostKey('rotated', { type: 'rsa' });
    const engine = engineFor(nodeOf(rsa), knownHosts, true);
    try {
      expect(await engine.collectOnce()).toEqual([]);
      const state = stateOf(engine, 'rotated');
      expect(state.status).toBe('host-key-mismatch');
      expect(state.lastError).toMatch(/HOST KEY CHANGED/);
      expect(state.hostKey).toMatchObject({ keyType: 'ssh-rsa', fingerprint: rsa.hostKeyFingerprintSha256, knownFingerprints: [ed25519] });
      // accept-new trusts new hosts only: the file is untouched.
      expect(readFileSync(knownHosts, 'utf8')).toBe(content);

      await engine.handlers['hostKeys:trust']({ nodeId: 'rotated', fingerprint: rsa.hostKeyFingerprintSha256 });
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['rotated']);
      expect(readFileSync(knownHosts, 'utf8')).toBe(`${rsa.hostPublicKeyLine}\n`);
    } finally {
      engine.close();
    }
  });
});
