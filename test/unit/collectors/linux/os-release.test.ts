import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../../../electron/core/collectors/linux/os-release';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

/** [NAME, ID, VERSION_ID, PRETTY_NAME, number of keys], read off each file. */
const EXPECTED: Record<string, [string, string, string | null, string, number]> = {
  'os-release.alpine.distro.txt': ['Alpine Linux', 'alpine', '3.23.2', 'Alpine Linux v3.23', 6],
  'os-release.amazon2023.distro.txt': ['Amazon Linux', 'amzn', '2023', 'Amazon Linux 2023', 12],
  // Rolling release: no VERSION_ID.
  'os-release.arch.distro.txt': ['Arch Linux', 'arch', null, 'Arch Linux', 11],
  'os-release.centos.jc.txt': ['CentOS Linux', 'centos', '7', 'CentOS Linux 7 (Core)', 14],
  'os-release.centos7.distro.txt': ['CentOS Linux', 'centos', '7', 'CentOS Linux 7 (Core)', 14],
  'os-release.debian13.distro.txt': ['Debian GNU/Linux', 'debian', '13', 'Debian GNU/Linux 13 (trixie)', 10],
  'os-release.fedora42.distro.txt': ['Fedora Linux', 'fedora', '42', 'Fedora Linux 42 (Forty Two)', 20],
  'os-release.node-exporter.txt': ['Ubuntu', 'ubuntu', '20.04', 'Ubuntu 20.04.2 LTS', 12],
  'os-release.opensuse15.distro.txt': ['openSUSE Leap', 'opensuse-leap', '15.2', 'openSUSE Leap 15.2', 10],
  'os-release.rhel9.distro.txt': ['Red Hat Enterprise Linux', 'rhel', '9.6', 'Red Hat Enterprise Linux 9.6 (Plow)', 17],
  'os-release.rocky9.distro.txt': ['Rocky Linux', 'rocky', '9.3', 'Rocky Linux 9.3 (Blue Onyx)', 17],
  'os-release.sles12.distro.txt': ['SLES', 'sles', '12.1', 'SUSE Linux Enterprise Server 12 SP1', 7],
  // No trailing newline.
  'os-release.ubuntu-22.04.gpud.txt': ['Ubuntu', 'ubuntu', '22.04', 'Ubuntu 22.04.5 LTS', 12],
  'os-release.ubuntu.jc.txt': ['Ubuntu', 'ubuntu', '18.04', 'Ubuntu 18.04.5 LTS', 12],
  'os-release.ubuntu16.distro.txt': ['Ubuntu', 'ubuntu', '16.04', 'Ubuntu 16.04.1 LTS', 10],
  'os-release.ubuntu24.distro.txt': ['Ubuntu', 'ubuntu', '24.04', 'Ubuntu 24.04.3 LTS', 13],
};

describe('parseOsRelease over every real os-release', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('os-release'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads to its values`, () => {
      const got = parseOsRelease(readFixture('linux', file));
      expect([got.name, got.id, got.versionId, got.prettyName, got.fields.size]).toEqual(EXPECTED[file]);
      expect(got.warnings).toEqual([]);
    });
  }

  it('keeps quoted values whole (ANSI_COLOR with semicolons, empty VERSION_CODENAME)', () => {
    const fedora = parseOsRelease(readFixture('linux', 'os-release.fedora42.distro.txt'));
    expect(fedora.fields.get('ANSI_COLOR')).toBe('0;38;2;60;110;180');
    expect(fedora.fields.get('VERSION_CODENAME')).toBe('');
    expect(fedora.fields.get('CPE_NAME')).toBe('cpe:/o:fedoraproject:fedora:42');
  });
});

describe('parseOsRelease quoting and escapes (os-release(5) is shell syntax)', () => {
  it('undoes the escapes of double quotes and takes single quotes literally', () => {
    const got = parseOsRelease(
      [
        'PRETTY_NAME="My \\"Best\\" OS \\$HOME \\\\ \\`x\\`"',
        "NAME='Single $HOME \\n'",
        'ID=bare\\ word',
        'VERSION="a"\'b\'c',
        '# a comment',
        '',
        '  VERSION_ID="1.0"  ',
      ].join('\n'),
    );
    expect(got.prettyName).toBe('My "Best" OS $HOME \\ `x`');
    expect(got.name).toBe('Single $HOME \\n');
    expect(got.id).toBe('bare word');
    expect(got.fields.get('VERSION')).toBe('abc');
    expect(got.versionId).toBe('1.0');
    expect(got.warnings).toEqual([]);
  });

  it('keeps a backslash before other characters inside double quotes, as sh does', () => {
    expect(parseOsRelease('NAME="a\\nb"\n').name).toBe('a\\nb');
  });

  it('skips lines that are not one shell word and says so', () => {
    const got = parseOsRelease(['NAME="unterminated', "ID='also", 'VERSION=two words', 'not an assignment', '=x', '1X=y', 'ID=ok'].join('\n'));
    expect(got.name).toBe('ok');
    expect(got.warnings).toHaveLength(6);
  });

  it('lets a later assignment win, as sourcing the file would', () => {
    expect(parseOsRelease('ID=a\nID=b\n').id).toBe('b');
  });

  it('keeps hostile keys in a Map and falls back from NAME to ID', () => {
    const got = parseOsRelease('__proto__=polluted\nconstructor=x\nID=myos\n');
    expect(got.fields.get('__proto__')).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(got.name).toBe('myos');
  });

  it('copes with binary junk and huge lines', () => {
    const got = parseOsRelease(`\u0000\u0001\u00ff\nNAME="${'x'.repeat(100_000)}"\nID=ok\n`);
    expect(got.id).toBe('ok');
    expect(got.name).toBe('ok');
    expect(got.warnings).toHaveLength(2);
  });
});
