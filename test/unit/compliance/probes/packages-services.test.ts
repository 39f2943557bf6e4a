import { describe, expect, it } from 'vitest';
import { DPKG_FORMAT, RPM_FORMAT } from '../../../../electron/core/compliance/command-specs';
import { parseRpmQuery } from '../../../../electron/core/compliance/probes/package';
import { Warnings } from '../../../../electron/core/collectors/linux/parse-support';
import { capture, exec, runProbe } from './drive';

const DPKG = capture('linux-audit', 'dpkg-query-W-tab.debian.ohai.txt');
const dpkgLine = (name: string) => `dpkg-query -W -f ${DPKG_FORMAT} ${name}`;
const rpmLine = (name: string) => `rpm -q --queryformat ${RPM_FORMAT} ${name}`;

describe('package probe', () => {
  it('dpkg-query (ohai capture): installed, or only config files left (not installed)', () => {
    expect(runProbe({ kind: 'package', name: 'tzdata' }, { exec: { [dpkgLine('tzdata')]: exec(DPKG) } }).fact).toMatchObject({
      installed: true,
      version: '2015g-0+deb8u1',
      manager: 'dpkg',
      problem: null,
    });
    expect(runProbe({ kind: 'package', name: 'systemd-timesyncd' }, { exec: { [dpkgLine('systemd-timesyncd')]: exec(DPKG) } }).fact).toMatchObject({
      installed: false,
      manager: 'dpkg',
    });
  });

  it('a package dpkg never heard of is not installed', () => {
    const unknown = exec('', 1, { stderr: 'dpkg-query: no packages found matching telnetd\n' });
    expect(runProbe({ kind: 'package', name: 'telnetd' }, { exec: { [dpkgLine('telnetd')]: unknown } }).fact).toMatchObject({
      installed: false,
      manager: 'dpkg',
    });
  });

  it('rpm (cnquery capture line) and rpm saying not installed', () => {
    const line = capture('linux-audit', 'rpm-qa-qf.centos-7.cnquery.txt')
      .split('\n')
      .find((l) => l.startsWith('bash '))!;
    expect(runProbe({ kind: 'package', name: 'bash' }, { exec: { [rpmLine('bash')]: exec(`${line}\n`) } }).fact).toMatchObject({
      installed: true,
      version: '4.2.46-30.el7',
      manager: 'rpm',
    });
    expect(parseRpmQuery('telnet-server', 'package telnet-server is not installed\n', new Warnings())).toEqual({ installed: false, version: null });
  });

  it('no package manager: unknown', () => {
    expect(runProbe({ kind: 'package', name: 'bash' }, {}).fact).toMatchObject({ installed: null, problem: 'neither dpkg nor rpm is installed' });
  });
});

describe('service probe', () => {
  const show = (unit: string) => `systemctl show --property=LoadState,ActiveState,SubState,UnitFileState ${unit}`;
  it('systemctl show (inspec capture of sshd): active and enabled', () => {
    expect(
      runProbe({ kind: 'service', unit: 'sshd.service' }, { exec: { [show('sshd.service')]: exec(capture('linux-audit', 'systemctl-show.sshd.inspec.txt')) } })
        .fact,
    ).toMatchObject({
      exists: true,
      active: true,
      activeState: 'active',
      enabled: true,
      enabledState: 'enabled',
      problem: null,
    });
  });

  it('a unit systemd does not know is neither active nor enabled (not an error)', () => {
    const notFound = exec('LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n');
    expect(runProbe({ kind: 'service', unit: 'auditd.service' }, { exec: { [show('auditd.service')]: notFound } }).fact).toMatchObject({
      exists: false,
      active: false,
      enabled: false,
      enabledState: 'not-found',
      problem: null,
    });
  });

  it('no systemd: unknown', () => {
    expect(runProbe({ kind: 'service', unit: 'auditd.service' }, {}).fact).toMatchObject({ active: null, problem: 'systemctl is not installed' });
  });
});
