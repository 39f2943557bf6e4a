// A root login over SSH on a node without sudo (the lab logs in as root, with its key only, and
// its host sees /usr/bin/sudo as a plain non-executable file: no sudo on any PATH). A privileged
// op runs as it is, without sudo, both alone and in a batch; before, it went through `sudo -n`
// and came back "needs privilege" for a read root can simply do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecPolicy } from '../../electron/core/hosts/exec-policy';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import { SshHost } from '../../electron/core/hosts/ssh/ssh-host';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { SshLab } from '../helpers/ssh-lab';

const SHADOW = 'root:*:19000:0:99999:7:::\nauditor:$y$j9T$lab$hash:19000:0:99999:7:::\n';

const policy = ExecPolicy.of({
  commands: [
    { id: 'test.shadow', program: 'cat', args: ['--', '/etc/shadow'], description: 'the shadow file, privileged', sudo: true },
    { id: 'test.id-root', program: 'id', args: ['-u'], description: 'the user id, privileged', sudo: true },
    { id: 'test.missing', program: 'clusterdeck-no-such-program', args: [], description: 'not installed', sudo: true },
  ],
  paths: [],
});

let lab: SshLab;
let pool: SshPool;
let host: SshHost;

beforeAll(async () => {
  lab = await SshLab.create({
    user: 'root',
    hosts: [{ name: 'r1', fakeFiles: { '/usr/bin/sudo': { content: '', mode: 0o644 }, '/etc/shadow': { content: SHADOW, mode: 0o600 } } }],
  });
  const r1 = lab.host('r1');
  pool = new SshPool({
    hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
  });
  const connection = pool.connection({ endpoint: { host: r1.address, port: r1.port, user: r1.user }, identityFiles: [r1.privateKeyPath], useAgent: false });
  host = new SshHost('r1', connection, policy);
}, 120_000);

afterAll(async () => {
  pool?.closeAll();
  await lab?.dispose();
});

describe('a root login over SSH on a node without sudo', () => {
  it('logs in as root, and the node has no sudo on its PATH', async () => {
    const probe = await lab.ssh('r1', `/bin/sh -c 'id -u; command -v sudo || echo no-sudo'`);
    expect(probe.stdout).toBe('0\nno-sudo\n');
  });

  it('runs a privileged command without sudo: it reads /etc/shadow', async () => {
    const alone = await host.exec('cat', ['--', '/etc/shadow'], { sudo: true });
    expect(alone).toMatchObject({ exitCode: 0, stdout: SHADOW, notFound: false });
    expect(alone.needsPrivilege).toBeFalsy();
  });

  it('runs privileged ops of a batch without sudo; a missing program is notFound, not needsPrivilege', async () => {
    const [shadow, id, missing] = await host.batch([
      { kind: 'exec', program: 'cat', args: ['--', '/etc/shadow'], sudo: true },
      { kind: 'exec', program: 'id', args: ['-u'], sudo: true },
      { kind: 'exec', program: 'clusterdeck-no-such-program', args: [], sudo: true },
    ]);
    expect(shadow).toMatchObject({ exitCode: 0, stdout: SHADOW });
    expect(shadow.needsPrivilege).toBeFalsy();
    expect(id).toMatchObject({ exitCode: 0, stdout: '0\n' });
    expect(missing).toMatchObject({ exitCode: 127, notFound: true });
    expect(missing.needsPrivilege).toBeFalsy();
  });

  it('still checks the exec policy first: a privileged command off the allowlist never runs', async () => {
    await expect(host.exec('cat', ['--', '/etc/gshadow'], { sudo: true })).rejects.toThrow(/not on the allowlist/);
    await expect(host.batch([{ kind: 'exec', program: 'id', args: ['-un'], sudo: true }])).rejects.toThrow(/not on the allowlist/);
  });
});
