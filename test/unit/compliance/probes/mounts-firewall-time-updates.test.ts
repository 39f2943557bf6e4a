import { describe, expect, it } from 'vitest';
import { parseProcMounts, splitOptions } from '../../../../electron/core/compliance/probes/mount';
import { parseNftRuleset, parseUfwStatus } from '../../../../electron/core/compliance/probes/firewall';
import { parseChronycTracking, parseTimedatectlStatus } from '../../../../electron/core/compliance/probes/time-sync';
import { parseAptSimulation, parseYumCheckUpdate } from '../../../../electron/core/compliance/probes/pending-updates';
import { Warnings } from '../../../../electron/core/collectors/linux/parse-support';
import { capture, exec, ok, runProbe, sudoRefused } from './drive';

describe('mount probe', () => {
  const OCTAL = capture('linux-audit', 'proc-mounts.debian-k8s-octal-escapes.node-exporter.txt');
  it('decodes octal escapes in mount points (node_exporter capture)', () => {
    const entries = parseProcMounts(OCTAL, new Warnings());
    expect(entries.some((e) => e.mountPoint.includes('[vsanDatastore] bafb9e5a'))).toBe(true);
    expect(entries.some((e) => e.mountPoint.includes('[vsanDatastore]\tbafb9e5a'))).toBe(true);
    expect(runProbe({ kind: 'mount', path: '/sys' }, { read: { '/proc/mounts': ok(OCTAL) } }).fact).toMatchObject({
      mounted: true,
      fstype: 'sysfs',
      options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'],
    });
    expect(runProbe({ kind: 'mount', path: '/tmp' }, { read: { '/proc/mounts': ok(OCTAL) } }).fact).toMatchObject({ mounted: false, problem: null });
  });

  it('keeps a quoted SELinux context with commas as one option (insights-core capture)', () => {
    const entries = parseProcMounts(capture('linux-audit', 'proc-mounts.selinux-context-quotes.insights-core.txt'), new Warnings());
    const shm = entries.find((e) => e.mountPoint.includes('ff7e79fc09c'))!;
    expect(splitOptions(shm.options.join(','))).toContain('context="system_u:object_r:container_file_t:s0:c184,c371"');
  });
});

describe('firewall probe', () => {
  it('ufw status verbose (jc capture): active with its 15 rules', () => {
    expect(parseUfwStatus(capture('linux-audit', 'ufw-status-verbose.jc.txt'), new Warnings())).toEqual({ active: true, rules: 15 });
    const { fact } = runProbe({ kind: 'firewall' }, { exec: { 'sudo ufw status verbose': exec(capture('linux-audit', 'ufw-status-verbose.jc.txt')) } });
    expect(fact).toMatchObject({ active: true, tool: 'ufw', rules: 15 });
  });

  it('ufw inactive, nft and iptables rules (moby, insights-core captures)', () => {
    expect(parseNftRuleset(capture('linux-audit', 'nft-list-table-ip.docker-bridges.moby.txt'), new Warnings())).toEqual({
      rules: 15,
      chains: 10,
      dropPolicies: 0,
    });
    const { fact } = runProbe(
      { kind: 'firewall' },
      {
        exec: {
          'sudo ufw status verbose': exec(capture('linux-audit', 'ufw-status-inactive.jc.txt')),
          'sudo iptables-save': exec(capture('linux-audit', 'iptables-save.rhel-6.insights-core.txt')),
        },
      },
    );
    expect(fact).toMatchObject({ active: true, tool: 'iptables', rules: 8, ufw: { active: false, rules: 0 } });
  });

  it('sudo refused everywhere: needs privilege, never inactive', () => {
    const { fact } = runProbe(
      { kind: 'firewall' },
      { exec: { 'sudo ufw status verbose': sudoRefused, 'sudo nft list ruleset': sudoRefused, 'sudo iptables-save': sudoRefused } },
    );
    expect(fact).toMatchObject({ active: null, problem: 'needs privilege' });
  });

  it('none of ufw, nft, iptables-save installed: no firewall (inactive), not an unknown', () => {
    const { fact } = runProbe({ kind: 'firewall' }, { exec: {} });
    expect(fact).toMatchObject({ active: false, rules: 0, problem: null });
    // Under sudo the shell's 127 becomes sudo's own message and exit 1.
    const sudoNotFound = (tool: string) => exec('', 1, { stderr: `sudo: ${tool}: command not found\n` });
    const viaSudo = runProbe(
      { kind: 'firewall' },
      {
        exec: {
          'sudo ufw status verbose': sudoNotFound('ufw'),
          'sudo nft list ruleset': sudoNotFound('nft'),
          'sudo iptables-save': sudoNotFound('iptables-save'),
        },
      },
    );
    expect(viaSudo.fact).toMatchObject({ active: false, rules: 0, problem: null });
  });
});

describe('time-sync probe', () => {
  it('timedatectl status across systemd versions (jc captures)', () => {
    expect(parseTimedatectlStatus(capture('linux-audit', 'timedatectl.centos-7.7.jc.txt'), new Warnings())).toEqual({ synchronized: true, ntpEnabled: true });
    expect(parseTimedatectlStatus(capture('linux-audit', 'timedatectl.ubuntu-18.04.jc.txt'), new Warnings())).toEqual({ synchronized: true, ntpEnabled: true });
  });

  it('chronyc tracking (mackerel captures)', () => {
    expect(parseChronycTracking(capture('linux-audit', 'chronyc-tracking.synchronised.mackerel.txt'), new Warnings())).toBe(true);
    expect(parseChronycTracking(capture('linux-audit', 'chronyc-tracking.not-synchronised.mackerel.txt'), new Warnings())).toBe(false);
  });

  it('timedatectl show first, chrony when it says yes', () => {
    expect(runProbe({ kind: 'time-sync' }, { exec: { 'timedatectl show': exec('NTP=yes\nNTPSynchronized=no\n') } }).fact).toMatchObject({
      synchronized: false,
      source: 'timedatectl',
      ntpEnabled: true,
    });
    const both = {
      'timedatectl show': exec('NTP=no\nNTPSynchronized=no\n'),
      'chronyc tracking': exec(capture('linux-audit', 'chronyc-tracking.synchronised.mackerel.txt')),
    };
    expect(runProbe({ kind: 'time-sync' }, { exec: both }).fact).toMatchObject({ synchronized: true, source: 'chronyc' });
    expect(runProbe({ kind: 'time-sync' }, {}).fact).toMatchObject({ synchronized: null });
  });
});

describe('pending-updates probe', () => {
  it('apt-get simulations (cnquery, jc, osconfig captures): security origins counted', () => {
    expect(parseAptSimulation(capture('linux-audit', 'apt-get-upgrade-dry-run.ubuntu-18.04.cnquery.txt'), new Warnings())).toEqual({
      pending: 13,
      security: ['libgcrypt20', 'gpgv'],
    });
    expect(parseAptSimulation(capture('linux-audit', 'apt-get-sqq-upgrade.debian-10.jc.txt'), new Warnings())).toEqual({
      pending: 4,
      security: ['dpkg', 'dpkg', 'dpkg'],
    });
    const { fact } = runProbe(
      { kind: 'pending-updates' },
      { exec: { 'apt-get -s upgrade': exec(capture('linux-audit', 'apt-get-just-print-full-upgrade.ubuntu-22.04.osconfig.txt')) } },
    );
    expect(fact).toMatchObject({ manager: 'apt', pending: 42, security: 0 });
  });

  it('yum check-update --security (puppet capture): every row, a wrapped long name too', () => {
    const names = parseYumCheckUpdate(capture('linux-audit', 'yum-check-update-security.el7.puppet.txt'), new Warnings());
    expect(names).toHaveLength(178);
    expect(names).toContain('device-mapper-persistent-data.x86_64');
    const { fact } = runProbe(
      { kind: 'pending-updates' },
      { exec: { 'yum -q check-update --security': exec(capture('linux-audit', 'yum-check-update-security.el7.puppet.txt'), 100) } },
    );
    expect(fact).toMatchObject({ manager: 'yum', security: 178 });
  });
});
