// Host keys against real OpenSSH servers (the SSH lab): a host that offers a known type is
// checked against it, one that offers only another type is a changed key, refused until trusted
// explicitly, also under --accept-new; and trusting writes only the key the user confirmed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshNodeCollector } from '../../electron/core/collectors/ssh-node';
import { createEngine, type Engine } from '../../electron/core/engine';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
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
    hosts: [{ name: 'dual', sshdConfig: [`HostKey ${dualRsa.privateKeyPath}`] }, { name: 'rotated' }, { name: 'moving' }],
  });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function nodeOf(host: LabHost): SshNode {
  return {
    id: host.name,
    host: host.address,
    port: host.port,
    user: host.user,
    identityFiles: [host.privateKeyPath],
    useAgent: false,
    proxyJump: [],
    labels: [],
  };
}

function engineFor(node: SshNode, knownHosts: string, acceptNew: boolean, userKnownHosts: string[] = []): Engine {
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
    userKnownHostsFiles: userKnownHosts,
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

describe('known_hosts markers', () => {
  it('does not trust on first sight, even with accept-new, a host whose keys a @cert-authority line covers', async () => {
    const rotated = lab.host('rotated');
    const knownHosts = join(dir, 'known_ca');
    // The CA line holds the host's own key: it still does not make the key known.
    const content = `@cert-authority ${rotated.address} ${rotated.hostPublicKey}\n`;
    writeFileSync(knownHosts, content);
    const engine = engineFor(nodeOf(rotated), knownHosts, true);
    try {
      expect(await engine.collectOnce()).toEqual([]);
      const state = stateOf(engine, 'rotated');
      expect(state.status).toBe('host-key-unknown');
      expect(state.lastError).toMatch(/@cert-authority/);
      expect(state.hostKey).toMatchObject({ fingerprint: rotated.hostKeyFingerprintSha256, knownFingerprints: [] });
      expect(readFileSync(knownHosts, 'utf8')).toBe(content);
    } finally {
      engine.close();
    }
  });
});

describe('trusting a host key', () => {
  it("refuses to trust a key revoked in the user's known_hosts", async () => {
    const app = join(dir, 'app_revoked');
    const user = join(dir, 'user_revoked');
    const dual = lab.host('dual');
    writeFileSync(user, `@revoked * ${dual.hostPublicKey}\n`);
    const engine = engineFor(nodeOf(dual), app, true, [user]);
    try {
      expect(await engine.collectOnce()).toEqual([]);
      const state = stateOf(engine, 'dual');
      expect(state.status).toBe('host-key-mismatch');
      expect(state.lastError).toMatch(/revoked/);
      await expect(engine.handlers['hostKeys:trust']({ nodeId: 'dual', fingerprint: dual.hostKeyFingerprintSha256 })).rejects.toThrow(/is revoked in/);
      expect(existsSync(app)).toBe(false);
    } finally {
      engine.close();
    }
  });

  it('writes only the key whose fingerprint the user confirmed, even if the host presented another since', async () => {
    const knownHosts = join(dir, 'known_moving');
    const node = nodeOf(lab.host('moving'));
    // The node's own pool, so that the test can reach the connection the collector uses.
    const pool = new SshPool({
      hostKeys: { files: [knownHosts], acceptNew: false, trust: () => {} },
      credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
    });
    const collector = new SshNodeCollector(node, pool, { nvidiaSmiTimeoutMs: 5000, log: silentLogger });
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 2000, nvidiaSmiTimeoutMs: 5000 } }),
      dbPath: ':memory:',
      configPath: '/nonexistent.yaml',
      mode: 'serve',
      log: silentLogger,
      collectors: [collector],
      knownHostsFile: knownHosts,
      userKnownHostsFiles: [],
    });
    try {
      expect(await engine.collectOnce()).toEqual([]);
      const confirmed = lab.host('moving').hostKeyFingerprintSha256;
      expect(stateOf(engine, 'moving').hostKey).toMatchObject({ fingerprint: confirmed });
      // The host changes its key and the connection meets the new one before the collector has
      // shown it: the prompt still names the key the user checked.
      const moved = await lab.rotateHostKey('moving');
      const connection = pool.connection({
        endpoint: { host: node.host, port: node.port, user: node.user },
        identityFiles: node.identityFiles,
        useAgent: false,
      });
      connection.resetBackoff();
      await expect(connection.ready()).rejects.toThrow(/not known yet/);
      expect(connection.problem?.presentedKey?.fingerprint).toBe(moved.hostKeyFingerprintSha256);
      expect(stateOf(engine, 'moving').hostKey).toMatchObject({ fingerprint: confirmed });

      await expect(engine.handlers['hostKeys:trust']({ nodeId: 'moving', fingerprint: confirmed })).rejects.toThrow(/not the key you confirmed/);
      expect(existsSync(knownHosts)).toBe(false);

      // Once the node shows the new key, trusting that one works.
      expect(await engine.collectOnce()).toEqual([]);
      expect(stateOf(engine, 'moving').hostKey).toMatchObject({ fingerprint: moved.hostKeyFingerprintSha256 });
      await engine.handlers['hostKeys:trust']({ nodeId: 'moving', fingerprint: moved.hostKeyFingerprintSha256 });
      expect(readFileSync(knownHosts, 'utf8')).toBe(`${moved.hostPublicKeyLine}\n`);
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['moving']);
    } finally {
      engine.close();
      pool.closeAll();
    }
  });
});
