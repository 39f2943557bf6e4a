/** The probes over this machine's real files and commands, through LocalHost and the compliance exec policy. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPLIANCE_POLICY } from '../../../../electron/core/compliance/command-specs';
import { collectFacts, probeKey } from '../../../../electron/core/compliance/probes/index';
import { LocalHost } from '../../../../electron/core/hosts/local';
import type { Probe } from '../../../../electron/core/compliance/types';

describe('probes over the local host', () => {
  it('reads /etc/passwd, kernel.randomize_va_space, /etc/passwd metadata and sshd_config in a few batches, equal probes once', async () => {
    const host = new LocalHost(COMPLIANCE_POLICY);
    const probes: Probe[] = [
      { kind: 'accounts' },
      { kind: 'sysctl', key: 'kernel.randomize_va_space' },
      { kind: 'sysctl', key: 'kernel.randomize_va_space' },
      { kind: 'file', path: '/etc/passwd' },
      { kind: 'file-content', path: '/etc/ssh/sshd_config', sshdIncludes: true },
      { kind: 'package', name: 'bash' },
    ];
    const facts = await collectFacts(host, probes);
    expect(facts.size).toBe(5);

    const accounts = facts.get('accounts')!.fact as { uid0: string[]; users: { name: string }[] };
    const passwdNames = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':')[0]);
    expect(accounts.users.map((u) => u.name)).toEqual(passwdNames);
    expect(accounts.uid0).toContain('root');

    const sysctl = facts.get(probeKey({ kind: 'sysctl', key: 'kernel.randomize_va_space' }))!;
    expect(sysctl.fact).toMatchObject({ live: readFileSync('/proc/sys/kernel/randomize_va_space', 'utf8').trim(), liveProblem: null });
    expect(sysctl.trace[0]).toMatchObject({ op: { kind: 'read', path: '/proc/sys/kernel/randomize_va_space' }, result: { kind: 'ok' } });

    expect(facts.get('file:/etc/passwd')!.fact).toMatchObject({ exists: true, type: 'file', uid: 0, owner: 'root' });

    const content = facts.get('file-content:sshd:/etc/ssh/sshd_config')!.fact as { exists: boolean | null; text: string | null };
    if (existsSync('/etc/ssh/sshd_config')) expect(content.text).toContain(readFileSync('/etc/ssh/sshd_config', 'utf8').split('\n')[0]);
    else expect(content.exists).toBe(false);

    expect((facts.get('package:bash')!.fact as { installed: boolean | null }).installed).toBe(true);
  });
});
