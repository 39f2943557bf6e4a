import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSshConfig } from '../../../electron/core/inventory/ssh-config-import';
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
  it('resolves aliases the way OpenSSH does: first value wins, wildcards apply, %h expands', () => {
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
    const { candidates } = readSshConfig(path);
    expect(candidates.map((c) => c.alias)).toEqual(['gpu-01', 'gpu-02']);
    const gpu01 = candidates[0]!;
    expect(gpu01).toMatchObject({ host: 'gpu-01.cluster.local', user: 'admin', port: 2222, identityFiles: ['~/.ssh/cluster_admin'], problem: null });
    expect(gpu01.node).toMatchObject({ id: 'gpu-01', useAgent: false, proxyJump: [], labels: [] });
  });

  it('follows ProxyJump chains through the same file, including a jump host behind another', () => {
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
    const deep = readSshConfig(path).candidates.find((c) => c.alias === 'deep')!;
    expect(deep.proxyJump).toEqual([
      { host: '10.0.0.1', port: 22, user: 'jump', identityFiles: ['~/.ssh/jump_key'] },
      { host: '10.1.0.1', port: 22, user: userInfo().username, identityFiles: expect.any(Array) },
      { host: '10.1.0.9', port: 2200, user: 'ops', identityFiles: expect.any(Array) },
    ]);
    expect(deep.node?.proxyJump).toHaveLength(3);
  });

  it('expands Include globs in lexical order and never loops on a cycle', () => {
    const { path, dir } = configFile(`Include $DIR/conf.d/*.conf\nHost main\n  HostName 10.9.9.9\n`, {
      'conf.d/b.conf': 'Host second\n  HostName 10.0.0.2\n',
      'conf.d/a.conf': `Host first\n  HostName 10.0.0.1\nInclude ${'$DIR'}/config\n`,
    });
    writeFileSync(join(dir, 'conf.d/a.conf'), `Host first\n  HostName 10.0.0.1\nInclude ${dir}/config\n`);
    const { candidates, warnings } = readSshConfig(path);
    expect(candidates.map((c) => c.alias)).toEqual(['first', 'second', 'main']);
    expect(warnings.join()).toMatch(/cycle/);
  });

  it('never runs Match exec, and evaluates Match host', () => {
    const { path, dir } = configFile(`
Host node-a
  HostName 10.0.0.5
Match exec "touch $DIR/pwned"
  User pwned
Match host 10.0.0.5
  User matched
`);
    const [node] = readSshConfig(path).candidates;
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(node!.user).toBe('matched');
  });

  it('marks entries it cannot import, with the reason', () => {
    const { path } = configFile(`
Host via-command
  HostName 10.0.0.3
  ProxyCommand nc %h %p
Host evil$(id)
  HostName 10.0.0.4
Host bad-host
  HostName "a b;c"
`);
    const byAlias = Object.fromEntries(readSshConfig(path, new Set(['via-command'])).candidates.map((c) => [c.alias, c]));
    expect(byAlias['via-command']).toMatchObject({ known: true, node: null });
    expect(byAlias['via-command']!.problem).toMatch(/ProxyCommand/);
    expect(byAlias['evil$(id)']!.problem).toMatch(/alias/);
    expect(byAlias['bad-host']!.node).toBeNull();
  });
});
