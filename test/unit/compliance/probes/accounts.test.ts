import { describe, expect, it } from 'vitest';
import { parseGroup, parseShadowEmptyPasswords } from '../../../../electron/core/compliance/probes/accounts';
import { Warnings } from '../../../../electron/core/collectors/linux/parse-support';
import { capture, denied, exec, ok, runProbe, sudoRefused } from './drive';

const PASSWD = capture('linux-audit', 'passwd.ubuntu-18.04.jc.txt');
const GROUP = capture('linux-audit', 'group.ubuntu-18.04.jc.txt');
const SHADOW = capture('linux-audit', 'shadow.ubuntu-18.04.jc.txt');

describe('accounts probe', () => {
  it('reads passwd, group and shadow (Ubuntu 18.04 captures): root alone has uid 0, no empty hash', () => {
    const { fact } = runProbe({ kind: 'accounts' }, { read: { '/etc/passwd': ok(PASSWD), '/etc/group': ok(GROUP), '/etc/shadow': ok(SHADOW) } });
    const f = fact as { users: unknown[]; groups: unknown[]; uid0: string[]; emptyPasswords: string[]; shadowProblem: null; warnings: string[] };
    expect(f.users).toHaveLength(30);
    expect(f.groups).toHaveLength(53);
    expect(f.uid0).toEqual(['root']);
    expect(f.emptyPasswords).toEqual([]);
    expect(f.shadowProblem).toBeNull();
    expect(f.warnings).toEqual([]);
  });

  it('reads shadow with sudo -n when the login user may not, and says needs privilege when sudo refuses', () => {
    const answers = { read: { '/etc/passwd': ok(PASSWD), '/etc/group': ok(GROUP), '/etc/shadow': denied } };
    const viaSudo = runProbe({ kind: 'accounts' }, { ...answers, exec: { 'sudo cat -- /etc/shadow': exec(`${SHADOW}nopass::18000:0:99999:7:::\n`) } });
    expect(viaSudo.fact).toMatchObject({ emptyPasswords: ['nopass'], shadowProblem: null });
    const refused = runProbe({ kind: 'accounts' }, { ...answers, exec: { 'sudo cat -- /etc/shadow': sudoRefused } });
    expect(refused.fact).toMatchObject({ emptyPasswords: null, shadowProblem: 'needs privilege', uid0: ['root'], problem: null });
  });

  it('edge cases (inspec captures): comments skipped, members split, no empty hash in the shadow edge cases', () => {
    const w = new Warnings();
    expect(parseGroup(capture('linux-audit', 'group.edge-cases.inspec.txt'), w)).toEqual([
      { name: 'root', gid: 0, members: [] },
      { name: 'www-data', gid: 33, members: ['www-data', 'root'] },
      { name: 'GroupWithCaps', gid: 999, members: [] },
      { name: 'sftpusers', gid: 1000, members: ['sftponly'] },
    ]);
    expect(parseShadowEmptyPasswords(capture('linux-audit', 'shadow.edge-cases.inspec.txt'), w)).toEqual([]);
  });
});
