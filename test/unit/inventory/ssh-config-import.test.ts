import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSshConfig } from '../../../electron/core/inventory/ssh-config-import';
import { CALLS } from '../../../shared/contract';
import { tempDir } from '../../helpers/tmp';

function configFile(text: string, extra: Record<string, string> = {}): { path: string; dir: string } {
  const dir = tempDir();
  for (const [name, content] of Object.entries(extra)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const path = join(dir, 'config');
  writeFileSync(path, text.replaceAll('$DIR', dir));
  return { path, dir };
}

describe('ssh config import', () => {
  it('resolves aliases the way OpenSSH does: first value wins, wildcards apply, %h expands', async () => {
    const { path } = configFile(`
Host gpu-01 gpu-02
  HostName %h.cluster.local
  IdentityFile ~/.ssh/cluster_%r

Host gpu-*
  User admin
  Port 2222
  User ignored-second-value

Host *
  Port 22
  IdentityAgent none
`);
    const { candidates } = await readSshConfig(path);
    expect(candidates.map((c) => c.alias)).toEqual(['gpu-01', 'gpu-02']);
    const gpu01 = candidates[0]!;
    expect(gpu01).toMatchObject({ host: 'gpu-01.cluster.local', user: 'admin', port: 2222, identityFiles: ['~/.ssh/cluster_admin'], problem: null });
    expect(gpu01.node).toMatchObject({ id: 'gpu-01', useAgent: false, proxyJump: [], labels: [] });
  });

  it('follows ProxyJump chains through the same file, including a jump host behind another', async () => {
    const { path } = configFile(`
Host bastion
  HostName 10.0.0.1
  User jump
  IdentityFile ~/.ssh/jump_key
Host inner-bastion
  HostName 10.1.0.1
  ProxyJump bastion
Host deep
  HostName 10.2.0.7
  User root
  ProxyJump inner-bastion,ops@10.1.0.9:2200
`);
    const deep = (await readSshConfig(path)).candidates.find((c) => c.alias === 'deep')!;
    expect(deep.proxyJump).toEqual([
      { host: '10.0.0.1', port: 22, user: 'jump', identityFiles: ['~/.ssh/jump_key'] },
      { host: '10.1.0.1', port: 22, user: userInfo().username, identityFiles: expect.any(Array) },
      { host: '10.1.0.9', port: 2200, user: 'ops', identityFiles: expect.any(Array) },
    ]);
    expect(deep.node?.proxyJump).toHaveLength(3);
  });

  it('expands Include globs in lexical order and never loops on a cycle', async () => {
    const { path, dir } = configFile(`Include $DIR/conf.d/*.conf\nHost main\n  HostName 10.9.9.9\n`, {
      'conf.d/b.conf': 'Host second\n  HostName 10.0.0.2\n',
      'conf.d/a.conf': `Host first\n  HostName 10.0.0.1\nInclude ${'$DIR'}/config\n`,
    });
    writeFileSync(join(dir, 'conf.d/a.conf'), `Host first\n  HostName 10.0.0.1\nInclude ${dir}/config\n`);
    const { candidates, warnings } = await readSshConfig(path);
    expect(candidates.map((c) => c.alias)).toEqual(['first', 'second', 'main']);
    expect(warnings.join()).toMatch(/cycle/);
  });

  it('never runs Match exec, and evaluates Match host', async () => {
    const { path, dir } = configFile(`
Host node-a
  HostName 10.0.0.5
Match exec "touch $DIR/pwned"
  User pwned
Match host 10.0.0.5
  User matched
`);
    const [node] = (await readSshConfig(path)).candidates;
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(node!.user).toBe('matched');
  });

  it('marks entries it cannot import, with the reason', async () => {
    const { path } = configFile(`
Host via-command
  HostName 10.0.0.3
  ProxyCommand nc %h %p
Host evil$(id)
  HostName 10.0.0.4
Host bad-host
  HostName "a b;c"
`);
    const byAlias = Object.fromEntries((await readSshConfig(path, new Set(['via-command']))).candidates.map((c) => [c.alias, c]));
    expect(byAlias['via-command']).toMatchObject({ known: true, node: null });
    expect(byAlias['via-command']!.problem).toMatch(/ProxyCommand/);
    expect(byAlias['evil$(id)']!.problem).toMatch(/alias/);
    expect(byAlias['bad-host']!.node).toBeNull();
  });
});

describe('reading a config never runs anything and never blocks', () => {
  it('drops CanonicalizeHostName and CanonicalDomains: nslookup (from PATH) is never run, even for an alias that looks like an option', async () => {
    const bin = tempDir();
    const ran = join(bin, 'ran');
    writeFileSync(join(bin, 'nslookup'), `#!/bin/sh\necho "$@" >> '${ran}'\nexit 0\n`);
    chmodSync(join(bin, 'nslookup'), 0o755);
    const { path } = configFile(`
CanonicalizeMaxDots 0
Host gpu-01 -debug
  CanonicalizeHostName yes
  CanonicalDomains example.com example.org
Host gpu-02
  CanonicalizeHostName yes
  CanonicalDomains cluster.example other.example
`);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      const { candidates, warnings } = await readSshConfig(path);
      expect(existsSync(ran)).toBe(false);
      expect(candidates.find((c) => c.alias === 'gpu-01')).toMatchObject({ host: 'gpu-01', problem: null });
      expect(candidates.find((c) => c.alias === 'gpu-02')).toMatchObject({ host: 'gpu-02', problem: null });
      expect(warnings.join('\n')).toMatch(/CanonicalizeHostName and CanonicalDomains are ignored/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('refuses a FIFO at once (nothing ever writes to it), /dev/zero, a folder and a missing file with the same message', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of [fifo, '/dev/zero', dir, join(dir, 'missing')]) {
      await expect(readSshConfig(path)).rejects.toThrow(`cannot read ${path}: not a readable regular file of at most 1 MiB`);
    }
  });

  it('refuses a file over 1 MiB without reading it whole', async () => {
    const { path } = configFile(`Host a\n${'# padding\n'.repeat(110_000)}`);
    await expect(readSshConfig(path)).rejects.toThrow(/larger than 1 MiB/);
  });

  it('skips an included FIFO with a warning and reads the rest', async () => {
    const { path, dir } = configFile('Include $DIR/conf.d/*\nHost main\n  HostName main.example\n', { 'conf.d/a': 'Host from-a\n  HostName a.example\n' });
    execFileSync('mkfifo', [join(dir, 'conf.d', 'b-fifo')]);
    const { candidates, warnings } = await readSshConfig(path);
    expect(candidates.map((c) => c.alias)).toEqual(['from-a', 'main']);
    expect(warnings.join('\n')).toMatch(/b-fifo: not a readable regular file of at most 1 MiB; skipped/);
  });

  it("makes a bad Port that entry's problem (the others stay importable), and the answer passes the contract", async () => {
    const { path } = configFile('Host bad\n  Port notaport\nHost big\n  Port 70000\nHost good\n  HostName good.example\n');
    const { candidates } = await readSshConfig(path);
    const byAlias = Object.fromEntries(candidates.map((c) => [c.alias, c]));
    expect(byAlias.bad).toMatchObject({ port: null, problem: 'invalid Port notaport', node: null });
    expect(byAlias.big).toMatchObject({ port: 70000, problem: 'invalid Port 70000', node: null });
    expect(byAlias.good!.node).not.toBeNull();
    const answer = { path, candidates: candidates.map(({ node: _node, ...candidate }) => candidate), warnings: [] };
    expect(CALLS['sshConfig:read'].response.safeParse(answer).success).toBe(true);
  });
});
