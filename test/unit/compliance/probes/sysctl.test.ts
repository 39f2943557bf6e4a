import { describe, expect, it } from 'vitest';
import { normaliseSysctlValue, sysctlPath } from '../../../../electron/core/compliance/probes/sysctl';
import { capture, exec, ok, runProbe } from './drive';

const HARDENING = capture('linux-audit', 'sysctl.conf.hardening.konstruktoid.txt');
const GCE = capture('linux-audit', 'sysctl.d-60-gce-network-security.conf.guest-configs.txt');

describe('sysctl probe', () => {
  it('maps keys to /proc/sys paths and normalises multi-value keys', () => {
    expect(sysctlPath('kernel.randomize_va_space')).toBe('kernel/randomize_va_space');
    expect(sysctlPath('net.ipv4.conf.eth0/100.rp_filter')).toBe('net/ipv4/conf/eth0.100/rp_filter');
    expect(sysctlPath('net/ipv4/ip_forward')).toBe('net/ipv4/ip_forward');
    expect(normaliseSysctlValue('4\t4\t1\t7\n')).toBe('4 4 1 7');
  });

  it('reads the live value and the configured one in systemd-sysctl order (the last assignment wins)', () => {
    const { fact, ops } = runProbe(
      { kind: 'sysctl', key: 'net.ipv4.ip_forward' },
      {
        read: {
          '/proc/sys/net/ipv4/ip_forward': ok('1\n'),
          '/etc/sysctl.d/99-hardening.conf': ok(HARDENING),
          '/usr/lib/sysctl.d/60-gce-network-security.conf': ok(GCE),
          '/usr/lib/sysctl.d/50-default.conf': ok('net.ipv4.ip_forward = 1\n'),
        },
        exec: {
          'ls -1A -- /etc/sysctl.d': exec('99-hardening.conf\nREADME.sysctl\n'),
          'ls -1A -- /usr/lib/sysctl.d': exec('50-default.conf\n60-gce-network-security.conf\n'),
        },
      },
    );
    expect(fact).toMatchObject({ live: '1', configured: '0', configuredIn: '/etc/sysctl.d/99-hardening.conf', problem: null });
    expect(ops.filter((o) => o.kind === 'read').map((o) => (o as { path: string }).path)).toContain('/etc/sysctl.conf');
  });

  it('a name in /etc/sysctl.d hides the same name in /usr/lib/sysctl.d; /etc/sysctl.conf comes last', () => {
    const { fact } = runProbe(
      { kind: 'sysctl', key: 'kernel.randomize_va_space' },
      {
        read: {
          '/proc/sys/kernel/randomize_va_space': ok('2\n'),
          '/etc/sysctl.d/60-gce-network-security.conf': ok('kernel.randomize_va_space = 1\n'),
          '/usr/lib/sysctl.d/60-gce-network-security.conf': ok(GCE),
        },
        exec: {
          'ls -1A -- /etc/sysctl.d': exec('60-gce-network-security.conf\n'),
          'ls -1A -- /usr/lib/sysctl.d': exec('60-gce-network-security.conf\n'),
        },
      },
    );
    expect(fact).toMatchObject({ live: '2', configured: '1', configuredIn: '/etc/sysctl.d/60-gce-network-security.conf' });
    const { fact: withConf } = runProbe(
      { kind: 'sysctl', key: 'kernel.randomize_va_space' },
      { read: { '/proc/sys/kernel/randomize_va_space': ok('2\n'), '/etc/sysctl.conf': ok(HARDENING) } },
    );
    expect(withConf).toMatchObject({ configured: '2', configuredIn: '/etc/sysctl.conf' });
  });

  it('glob keys of systemd 249+ apply unless a -key line excludes the key', () => {
    const dropIn = 'net.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n';
    const answers = {
      read: { '/usr/lib/sysctl.d/50-default.conf': ok(dropIn) },
      exec: { 'ls -1A -- /usr/lib/sysctl.d': exec('50-default.conf\n') },
    };
    expect(runProbe({ kind: 'sysctl', key: 'net.ipv4.conf.eth0.rp_filter' }, answers).fact).toMatchObject({ configured: '2' });
    expect(runProbe({ kind: 'sysctl', key: 'net.ipv4.conf.all.rp_filter' }, answers).fact).toMatchObject({
      configured: null,
      configuredProblem: null,
      live: null,
      liveProblem: 'no such key in /proc/sys',
    });
  });

  it('refuses a key that is not one', () => {
    const { fact, ops } = runProbe({ kind: 'sysctl', key: 'kernel/../../etc/shadow' }, {});
    expect(ops).toEqual([]);
    expect((fact as { problem: string }).problem).toMatch(/is not a sysctl key/);
  });
});
