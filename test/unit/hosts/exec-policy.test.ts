import { describe, expect, it } from 'vitest';
import { COLLECTOR_ACCESS, COLLECTOR_POLICY } from '../../../electron/core/collectors/command-specs';
import { COLLECTION_ARGVS, sampleArgv, STATIC_ARGV } from '../../../electron/core/collectors/linux/scripts';
import {
  absolutePath,
  ExecPolicy,
  integer,
  journalTime,
  NotAllowedError,
  oneOf,
  packageName,
  pathUnder,
  pattern,
  sysctlKey,
  systemdUnit,
} from '../../../electron/core/hosts/exec-policy';

/** What audits throw at the validators: option injection, shell syntax, line breaks, traversal. */
const HOSTILE = [
  '-oProxyCommand=touch /tmp/pwned',
  '--help',
  '$(id)',
  '`id`',
  'a;id',
  'a|id',
  'a&&id',
  'a b',
  'a\nb',
  'a\0b',
  'a\rb',
  '../etc/shadow',
  '',
  "a'b",
  'a"b',
  'a>b',
];

describe("the collectors' declarations", () => {
  it('allow exactly the argument lists the collectors run, and nothing else', () => {
    for (const [program, ...args] of COLLECTION_ARGVS) expect(() => COLLECTOR_POLICY.check(program!, args)).not.toThrow();
    expect(() => COLLECTOR_POLICY.check('nvidia-smi', ['-q', '-x'])).not.toThrow();
    expect(() => COLLECTOR_POLICY.check('nvidia-smi', ['-q', '-x', '-f', '/etc/passwd'])).toThrow(NotAllowedError);
    expect(() => COLLECTOR_POLICY.check('nvidia-smi', ['-r'])).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.check('sh', ['-c', 'id'])).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.check('__proto__', [])).toThrow(/not on the allowlist/);
    const sample = sampleArgv('current');
    expect(() => COLLECTOR_POLICY.check('sh', [...sample.slice(1, 4), 'evil'])).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.check('sh', [...sample.slice(1), 'extra'])).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.check('sh', [...STATIC_ARGV.slice(1), 'extra'])).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.check('bash', STATIC_ARGV.slice(1))).toThrow(/not on the allowlist/);
  });

  it('let the collectors read only the listed system files', () => {
    expect(() => COLLECTOR_POLICY.checkPath('/proc/stat')).not.toThrow();
    expect(() => COLLECTOR_POLICY.checkPath('/etc/os-release')).not.toThrow();
    expect(() => COLLECTOR_POLICY.checkPath('/proc/../etc/shadow')).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.checkPath('/etc/shadow')).toThrow(/not on the allowlist/);
    expect(() => COLLECTOR_POLICY.checkPath('/proc/stat\n')).toThrow(/not on the allowlist/);
  });

  it('never run anything under sudo', () => {
    expect(() => COLLECTOR_POLICY.check('nvidia-smi', ['-q', '-x'], { sudo: true })).toThrow(/under sudo/);
    expect(COLLECTOR_ACCESS.commands.some((c) => c.sudo)).toBe(false);
  });
});

describe('argument validators', () => {
  it('absolutePath takes plain absolute paths only', () => {
    const v = absolutePath();
    for (const ok of ['/etc/ssh/sshd_config', '/var/log/kern.log', '/usr/lib/os-release', '/etc/cron.d/e2scrub_all', '/dev/nvidia0'])
      expect(v.test(ok), ok).toBe(true);
    for (const bad of [...HOSTILE, 'etc/passwd', '/etc/../shadow', '/etc/ssh/..', '/./etc', '//etc', '/etc/', '/etc/$(id)', '/etc/*', `/${'a'.repeat(2000)}`])
      expect(v.test(bad), JSON.stringify(bad)).toBe(false);
  });

  it('pathUnder keeps to its roots', () => {
    const v = pathUnder(['/etc/ssh']);
    expect(v.test('/etc/ssh/sshd_config')).toBe(true);
    for (const bad of ['/etc/ssh', '/etc/sshd/x', '/etc/ssh/../shadow', '/etc/shadow']) expect(v.test(bad), bad).toBe(false);
  });

  it('sysctlKey, packageName, systemdUnit, integer and journalTime refuse what a shell or getopt would act on', () => {
    const cases: Array<[ReturnType<typeof sysctlKey>, string[]]> = [
      [sysctlKey(), ['kernel.randomize_va_space', 'net.ipv4.conf.all.rp_filter', 'net/ipv4/ip_forward', 'vm.swappiness']],
      [packageName(), ['openssh-server', 'libc6:amd64', 'g++', 'python3.11', 'NetworkManager']],
      [systemdUnit(), ['ssh.service', 'getty@tty1.service', 'nvidia-persistenced', 'systemd-journald.socket']],
      [integer(0, 65535), ['0', '22', '65535']],
      [journalTime(), ['2024-05-01', '2024-05-01 12:00', '2024-05-01 12:00:30', '@1714560000']],
    ];
    for (const [validator, good] of cases) {
      for (const ok of good) expect(validator.test(ok), `${validator.name}: ${ok}`).toBe(true);
      for (const bad of HOSTILE) expect(validator.test(bad), `${validator.name}: ${JSON.stringify(bad)}`).toBe(false);
    }
    expect(integer(0, 10).test('11')).toBe(false);
    expect(integer(0, 10).test('007')).toBe(false);
    expect(journalTime().test('-1h')).toBe(false);
  });

  it('pattern matches the whole argument, within its length', () => {
    const v = pattern('digits', /[0-9]+/, 4);
    expect(v.test('1234')).toBe(true);
    expect(v.test('12345')).toBe(false);
    expect(v.test('x12')).toBe(false);
    expect(v.test('12;id')).toBe(false);
    expect(pattern('either', /a|b/, 5).test('ab')).toBe(false);
  });
});

describe('ExecPolicy', () => {
  const policy = ExecPolicy.of({
    commands: [
      { id: 'audit.sysctl', program: 'sysctl', args: ['-n', sysctlKey()], description: 'one kernel setting' },
      { id: 'audit.stat', program: 'stat', args: ['-c', '%a %U %G', absolutePath()], description: 'a file mode' },
      { id: 'audit.anything', program: 'printf', args: ['%s', pattern('any text', /[^]*/, 100)], description: 'a test echo' },
      { id: 'audit.active', program: 'systemctl', args: ['is-active', systemdUnit()], description: 'a unit state', sudo: true },
      { id: 'audit.journal', program: 'journalctl', args: ['-k', '--since', journalTime(), '--no-pager'], description: 'kernel log' },
      { id: 'audit.dmesg', program: 'dmesg', args: ['--time-format', oneOf('a time format', ['iso'])], description: 'kernel ring buffer' },
    ],
    paths: [{ id: 'audit.ssh-config', path: pathUnder(['/etc/ssh']), description: 'sshd settings' }],
  });

  it('checks each argument against its rule, and the count', () => {
    expect(policy.check('sysctl', ['-n', 'kernel.randomize_va_space']).id).toBe('audit.sysctl');
    expect(policy.check('dmesg', ['--time-format', 'iso']).id).toBe('audit.dmesg');
    expect(policy.check('journalctl', ['-k', '--since', '2024-05-01 00:00', '--no-pager']).id).toBe('audit.journal');
    expect(() => policy.check('sysctl', ['-w', 'kernel.randomize_va_space'])).toThrow(NotAllowedError);
    expect(() => policy.check('sysctl', ['-n', '-oProxyCommand=x'])).toThrow(NotAllowedError);
    expect(() => policy.check('sysctl', ['-n'])).toThrow(NotAllowedError);
    expect(() => policy.check('sysctl', ['-n', 'kernel.x', 'kernel.y'])).toThrow(NotAllowedError);
    expect(() => policy.check('stat', ['-c', '%a %U %G', '/etc/../etc/shadow'])).toThrow(NotAllowedError);
    expect(() => policy.check('dmesg', ['--time-format', 'iso;reboot'])).toThrow(NotAllowedError);
  });

  it('refuses NUL and line breaks in any argument, whatever the rule says', () => {
    expect(policy.check('printf', ['%s', '$(id); `id` | ; \' " \\']).id).toBe('audit.anything');
    for (const bad of ['a\nb', 'a\0b', 'a\rb']) expect(() => policy.check('printf', ['%s', bad])).toThrow(/NUL or a line break/);
    expect(() => policy.check('printf\n', ['%s', 'x'])).toThrow(NotAllowedError);
  });

  it('allows sudo only where a spec says so', () => {
    expect(policy.check('systemctl', ['is-active', 'ssh.service'], { sudo: true }).id).toBe('audit.active');
    expect(() => policy.check('sysctl', ['-n', 'vm.swappiness'], { sudo: true })).toThrow(/under sudo/);
  });

  it('names the program in its error without echoing a huge argument', () => {
    const huge = 'A'.repeat(100_000);
    let message = '';
    try {
      policy.check('sysctl', ['-n', huge, ...Array.from({ length: 50 }, () => huge)]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^not on the allowlist: "sysctl"/);
    expect(message.length).toBeLessThan(600);
  });

  it('reads and stats only declared paths', () => {
    expect(policy.checkPath('/etc/ssh/sshd_config').id).toBe('audit.ssh-config');
    for (const bad of ['/etc/ssh/../shadow', '/etc/shadow', 'etc/ssh/x', '/etc/ssh/x\n']) expect(() => policy.checkPath(bad), bad).toThrow(NotAllowedError);
  });

  it('refuses declarations that clash or name no program', () => {
    const spec = { id: 'a.one', program: 'true', args: [], description: '' };
    expect(() => ExecPolicy.of({ commands: [spec], paths: [] }, { commands: [spec], paths: [] })).toThrow(/declared twice/);
    expect(() => ExecPolicy.of({ commands: [{ ...spec, program: 'sh -c id' }], paths: [] })).toThrow(/not a program name/);
    expect(() => ExecPolicy.of({ commands: [{ ...spec, program: '-x' }], paths: [] })).toThrow(/not a program name/);
  });

  it('allows nothing when built from nothing', () => {
    expect(() => ExecPolicy.none.check('true', [])).toThrow(NotAllowedError);
    expect(() => ExecPolicy.none.checkPath('/proc/stat')).toThrow(NotAllowedError);
  });
});
