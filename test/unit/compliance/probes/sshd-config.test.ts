import { describe, expect, it } from 'vitest';
import { parseSshdT } from '../../../../electron/core/compliance/probes/sshd-config';
import { capture, denied, exec, ok, runProbe, sudoRefused } from './drive';

const CRYPTO = '/etc/crypto-policies/back-ends/opensshserver.config';

describe('sshd probe', () => {
  it('reads sshd -T (a real capture): lower-case keywords, repeated ones in order, the first as the value', () => {
    const fact = parseSshdT(capture('linux', 'sshd-T.jc-1.txt'));
    expect(fact.source).toBe('sshd -T');
    expect(fact.problem).toBeNull();
    expect(fact.options.permitrootlogin).toBe('without-password');
    expect(fact.options.passwordauthentication).toBe('yes');
    expect(fact.all.acceptenv).toEqual(['LANG', 'LC_*', 'test1 test2']);
    expect(fact.options.acceptenv).toBe('LANG');
  });

  it('uses sshd -T when sudo lets it run', () => {
    const { fact, ops } = runProbe({ kind: 'sshd' }, { exec: { 'sudo /usr/sbin/sshd -T': exec(capture('linux', 'sshd-T.jc-1.txt')) } });
    expect(fact).toMatchObject({ source: 'sshd -T', options: { x11forwarding: 'yes' } });
    expect(ops).toHaveLength(1);
  });

  it('falls back to the files when sudo refuses: Fedora layout, Include glob of sshd_config.d, a 0600 drop-in read with sudo, the crypto policy, first value wins', () => {
    const { fact } = runProbe(
      { kind: 'sshd' },
      {
        exec: {
          'sudo /usr/sbin/sshd -T': sudoRefused,
          'ls -1A -- /etc/ssh/sshd_config.d': exec('', 2, { stderr: "ls: cannot open directory '/etc/ssh/sshd_config.d': Permission denied\n" }),
          'sudo ls -1A -- /etc/ssh/sshd_config.d': exec('50-redhat.conf\nREADME\n'),
          'sudo cat -- /etc/ssh/sshd_config.d/50-redhat.conf': exec(capture('linux-audit', 'sshd_config.d-50-redhat.conf.fedora.cnquery.txt')),
        },
        read: {
          '/etc/ssh/sshd_config': ok(capture('linux-audit', 'sshd_config.fedora-include.cnquery.txt')),
          '/etc/ssh/sshd_config.d/50-redhat.conf': denied,
          [CRYPTO]: ok(capture('linux-audit', 'crypto-policies-opensshserver.config.fedora.cnquery.txt')),
        },
      },
    );
    expect(fact).toMatchObject({
      source: 'files',
      problem: null,
      files: ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-redhat.conf', CRYPTO],
    });
    const f = fact as { options: Record<string, string>; warnings: string[] };
    // The drop-in (read where its Include stands, before the main file's own lines) sets them first.
    expect(f.options.x11forwarding).toBe('yes');
    expect(f.options.syslogfacility).toBe('AUTHPRIV');
    expect(f.options.ciphers).toMatch(/^aes256-gcm@openssh.com,/);
    expect(f.options.authorizedkeysfile).toBe('.ssh/authorized_keys');
    expect(f.warnings[0]).toMatch(/sshd -T: needs privilege; read from the files/);
  });

  it('leaves Match blocks out of the global values, and follows relative Includes under /etc/ssh', () => {
    const { fact } = runProbe(
      { kind: 'sshd' },
      {
        exec: { 'sudo /usr/sbin/sshd -T': exec('', 255, { stderr: 'sshd: no hostkeys available -- exiting.\n' }) },
        read: {
          '/etc/ssh/sshd_config': ok(capture('linux', 'sshd_config.centos7.jc-edited-with-include-match.txt')),
          '/etc/ssh/foo/buz': ok('PermitRootLogin no\n'),
        },
      },
    );
    const f = fact as { options: Record<string, string>; all: Record<string, string[]>; matchBlocks: { criteria: string }[]; files: string[] };
    expect(f.files).toEqual(['/etc/ssh/sshd_config', '/etc/ssh/foo/buz']);
    expect(f.options.permitrootlogin).toBe('no');
    expect(f.matchBlocks.map((m) => m.criteria)).toEqual(['group chroot', 'all', 'group anything', 'all']);
    expect(f.all.hostkey).toEqual(['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']);
    expect(f.options.this).toBeUndefined();
    expect(f.options.passwordauthentication).toBe('yes');
  });

  it('says needs privilege when neither sshd -T nor the file may be read', () => {
    const { fact } = runProbe(
      { kind: 'sshd' },
      { exec: { 'sudo /usr/sbin/sshd -T': sudoRefused, 'sudo cat -- /etc/ssh/sshd_config': sudoRefused }, read: { '/etc/ssh/sshd_config': denied } },
    );
    expect(fact).toMatchObject({ source: 'files', problem: 'needs privilege' });
  });
});
