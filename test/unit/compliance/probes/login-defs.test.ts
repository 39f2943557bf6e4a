import { describe, expect, it } from 'vitest';
import { parseLoginDefs } from '../../../../electron/core/compliance/probes/login-defs';
import { capture, denied, exec, ok, runProbe, sudoRefused } from './drive';

describe('login-defs probe', () => {
  it("reads Debian's login.defs (shadow 4.13): tab-separated keys, comments skipped", () => {
    const values = parseLoginDefs(capture('linux-audit', 'login.defs.debian-shadow-4.13.deepin-community.txt'));
    expect(values).toMatchObject({ PASS_MAX_DAYS: '99999', PASS_MIN_DAYS: '0', UMASK: '022', ENCRYPT_METHOD: 'SHA512' });
    expect(values.MOTD_FILE).toBeUndefined();
  });

  it('the last line of a key counts', () => {
    expect(parseLoginDefs('PASS_MIN_DAYS 7\nPASS_MIN_DAYS\t1\n').PASS_MIN_DAYS).toBe('1');
  });

  it('a missing file and a refused one are problems, not values', () => {
    expect(runProbe({ kind: 'login-defs' }, {}).fact).toMatchObject({ problem: '/etc/login.defs does not exist' });
    expect(runProbe({ kind: 'login-defs' }, { read: { '/etc/login.defs': denied }, exec: { 'sudo cat -- /etc/login.defs': sudoRefused } }).fact).toMatchObject({
      problem: 'needs privilege',
    });
    expect(
      runProbe({ kind: 'login-defs' }, { read: { '/etc/login.defs': denied }, exec: { 'sudo cat -- /etc/login.defs': exec('UMASK 027\n') } }).fact,
    ).toMatchObject({
      values: { UMASK: '027' },
    });
    expect(runProbe({ kind: 'login-defs' }, { read: { '/etc/login.defs': ok('UMASK 077\n') } }).fact).toMatchObject({
      values: { UMASK: '077' },
      problem: null,
    });
  });
});
