import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInPolicies, builtInPoliciesDir, loadPolicy, parsePolicy, sha256Hex } from '../../../electron/core/compliance/policy-loader';

const HEAD = `id: test-policy
title: Test policy
version: "1.0"
description: A policy for the loader's tests.
parameters:
  max_auth_tries: 4
  mig_mode: Disabled
checks:
`;

function check(id: string, rule: string, extra = ''): string {
  return `  - id: ${id}
    title: Check ${id}
    description: d
    rationale: r
    remediation: fix it
    severity: high
    references: { cis: ["5.2.10"], nist: ["AC-6(2)"], ssg: [xccdf_org.ssgproject.content_rule_sshd_disable_root_login] }
${extra}    rule: ${rule}
`;
}

describe('parsePolicy', () => {
  it('loads checks into camelCase rule trees, with their file and line', () => {
    const text =
      HEAD +
      check('tst-001', '{ all: [ { sshd: { keyword: permitrootlogin, in: ["no"] } }, { file: { path: /etc/shadow, mode_max: 0o640, owner: root } } ] }') +
      check(
        'tst-002',
        '{ content: { path: /etc/ssh/sshd_config, sshd_includes: true, matches: "(?m)^\\\\s*Banner\\\\s+\\\\S+" } }',
        '    applies: { os_family: [debian], gpu: true }\n',
      ) +
      check('tst-003', 'manual');
    const { policy, errors } = parsePolicy('/p/test.yaml', text);
    expect(errors).toEqual([]);
    expect(policy!.checks.map((c) => c.id)).toEqual(['tst-001', 'tst-002', 'tst-003']);
    expect(policy!.checks[0]!.rule).toEqual({
      all: [{ sshd: { keyword: 'permitrootlogin', in: ['no'] } }, { file: { path: '/etc/shadow', modeMax: 0o640, owner: 'root' } }],
    });
    expect(policy!.checks[1]!.rule).toEqual({ content: { path: '/etc/ssh/sshd_config', sshdIncludes: true, matches: '(?m)^\\s*Banner\\s+\\S+' } });
    expect(policy!.checks[1]!.applies).toEqual({ osFamily: ['debian'], gpu: true });
    expect(policy!.checks[2]!.rule).toBeNull();
    expect(policy!.checks[1]!.source).toEqual({ file: '/p/test.yaml', line: text.split('\n').indexOf('  - id: tst-002') + 1 });
    expect(policy!.checks[0]!.references.ssg).toEqual(['xccdf_org.ssgproject.content_rule_sshd_disable_root_login']);
    expect(policy!.sha256).toBe(sha256Hex(text));
    expect(policy!.builtIn).toBe(false);
  });

  it('reports a bad check with its file, line and field, skips it, and loads the others', () => {
    const text =
      HEAD +
      check('tst-001', '{ sshd: { keyword: maxauthtries, max: 4 } }') +
      check('tst-002', '{ file: { path: /etc/shadow, mode_max: "0999" } }') +
      check('tst-003', '{ sysctl: { key: kernel.randomize_va_space, equals: 2, colour: red } }') +
      check('tst-004', '{ any: [ { package: { name: telnetd, installed: false } }, { frobnicate: {} } ] }');
    const { policy, errors } = parsePolicy('/p/test.yaml', text);
    expect(policy!.checks.map((c) => c.id)).toEqual(['tst-001']);
    const lines = text.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(errors).toEqual([
      expect.objectContaining({
        file: '/p/test.yaml',
        line: lineOf('0999'),
        field: 'checks[1].rule.file.mode_max',
        message: expect.stringMatching(/check "tst-002".*not a file mode/),
      }),
      expect.objectContaining({ line: lineOf('colour'), field: 'checks[2].rule.sysctl.colour', message: expect.stringMatching(/unknown field/) }),
      expect.objectContaining({
        line: lineOf('frobnicate'),
        field: 'checks[3].rule.any[1].frobnicate',
        message: expect.stringMatching(/unknown rule "frobnicate"/),
      }),
    ]);
  });

  it('refuses bad ids, duplicate ids, SSG ids of the wrong form and a missing field, each at its line', () => {
    const text =
      HEAD +
      check('Bad_ID', '{ sshd: { keyword: x11forwarding, equals: "no" } }') +
      check('tst-001', '{ sshd: { keyword: x11forwarding, equals: "no" } }') +
      check('tst-001', '{ sshd: { keyword: x11forwarding, equals: "no" } }') +
      check('tst-002', '{ sshd: { keyword: x11forwarding, equals: "no" } }').replace('content_rule_sshd_disable_root_login', 'sshd_disable_root_login') +
      check('tst-003', '{ sshd: { keyword: x11forwarding, equals: "no" } }').replace('    rationale: r\n', '');
    const { policy, errors } = parsePolicy('/p/test.yaml', text);
    expect(policy!.checks.map((c) => c.id)).toEqual(['tst-001']);
    expect(errors.map((e) => [e.field, e.message.replace(/^check "[^"]*": /, '')])).toEqual([
      ['checks[0].id', expect.stringMatching(/lower-case/)],
      ['checks[2].id', expect.stringMatching(/duplicate check id/)],
      ['checks[3].references.ssg[0]', expect.stringMatching(/xccdf_org\.ssgproject\.content_rule_/)],
      ['checks[4].rationale', 'is required'],
    ]);
    expect(errors.every((e) => typeof e.line === 'number')).toBe(true);
  });

  it('takes "$name" operands from the parameters, the user\'s overrides first', () => {
    const text =
      HEAD +
      check('tst-001', '{ sshd: { keyword: maxauthtries, max: $max_auth_tries } }') +
      check('tst-002', '{ gpu: { field: migModeCurrent, in: [$mig_mode] } }') +
      check('tst-003', '{ sshd: { keyword: maxauthtries, max: $nope } }');
    const { policy, errors } = parsePolicy('/p/test.yaml', text, { parameters: { max_auth_tries: 3, unknown_one: 1 } });
    expect(policy!.checks[0]!.rule).toEqual({ sshd: { keyword: 'maxauthtries', max: 3 } });
    expect(policy!.checks[1]!.rule).toEqual({ gpu: { field: 'migModeCurrent', in: ['Disabled'] } });
    expect(policy!.checks.map((c) => c.id)).toEqual(['tst-001', 'tst-002']);
    expect(policy!.parameters).toEqual({ max_auth_tries: 3, mig_mode: 'Disabled' });
    expect(errors).toEqual([
      expect.objectContaining({ field: 'parameters.unknown_one', message: expect.stringMatching(/no parameter "unknown_one"/) }),
      expect.objectContaining({ field: 'checks[2].rule.sshd.max', message: expect.stringMatching(/unknown parameter "\$nope"/) }),
    ]);
  });

  it('refuses regexes that can backtrack for ever and a value test with two operators', () => {
    const text =
      HEAD +
      check('tst-001', '{ content: { path: /etc/issue, matches: "(a+)+$" } }') +
      check('tst-002', '{ login_defs: { key: PASS_MAX_DAYS, max: 365, equals: 1 } }');
    const { policy, errors } = parsePolicy('/p/test.yaml', text);
    expect(policy!.checks).toEqual([]);
    expect(errors.map((e) => e.field)).toEqual(['checks[0].rule.content.matches', 'checks[1].rule.login_defs']);
    expect(errors[0]!.message).toMatch(/exponential/);
    expect(errors[1]!.message).toMatch(/one test only/);
  });

  it('refuses a content rule naming a secret file, at its line; a file rule on its mode stays allowed', () => {
    const text =
      HEAD +
      check('tst-001', '{ content: { path: /etc/ssh/ssh_host_ed25519_key, matches: "KEY" } }') +
      check('tst-002', '{ file: { path: /etc/ssh/ssh_host_ed25519_key, mode_max: 0o600 } }');
    const { policy, errors } = parsePolicy('/p/test.yaml', text);
    expect(policy!.checks.map((c) => c.id)).toEqual(['tst-002']);
    expect(errors).toEqual([
      expect.objectContaining({
        file: '/p/test.yaml',
        line: text.split('\n').findIndex((l) => l.includes('content: { path: /etc/ssh/ssh_host_ed25519_key')) + 1,
        field: 'checks[0].rule.content.path',
        message: expect.stringMatching(/secret file/),
      }),
    ]);
  });

  it('gives no policy for a broken header or broken YAML, with the line', () => {
    const header = parsePolicy('/p/a.yaml', HEAD.replace('version: "1.0"', 'version: 1.0'));
    expect(header.policy).toBeNull();
    expect(header.errors).toEqual([expect.objectContaining({ field: 'version', line: 3, message: expect.stringMatching(/quote it/) })]);
    const yaml = parsePolicy('/p/b.yaml', 'id: x\n  title: [\n');
    expect(yaml.policy).toBeNull();
    expect(yaml.errors[0]!.message).toMatch(/not valid YAML/);
    expect(yaml.errors[0]!.line).toBeGreaterThan(0);
  });

  it('lets a built-in policy declare no custom command, and a user policy name only declared ones', () => {
    const commands = `commands:\n  - { id: custom.lsmod, description: modules, program: /usr/sbin/lsmod }\n`;
    const text =
      HEAD.replace('checks:\n', commands + 'checks:\n') +
      check('tst-001', '{ command: { id: custom.lsmod, absent: usb_storage } }') +
      check('tst-002', '{ command: { id: custom.other, exit_code: 0 } }');
    const user = parsePolicy('/p/u.yaml', text);
    expect(user.policy!.commands).toEqual([{ id: 'custom.lsmod', description: 'modules', program: '/usr/sbin/lsmod', args: [], sudo: false, timeoutMs: null }]);
    expect(user.policy!.checks.map((c) => c.id)).toEqual(['tst-001']);
    expect(user.errors).toEqual([expect.objectContaining({ field: 'checks[1].rule', message: expect.stringMatching(/custom\.other.*not declared/) })]);
    const builtIn = parsePolicy('/p/b.yaml', text, { builtIn: true });
    expect(builtIn.errors[0]).toEqual(
      expect.objectContaining({ field: 'commands', message: expect.stringMatching(/built-in policy may use only built-in commands/) }),
    );
  });
});

describe('loadPolicy and builtInPolicies', () => {
  it('reads a file, says when it is missing, and loads every policy of a folder as built in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policies-'));
    writeFileSync(join(dir, 'b.yaml'), HEAD + check('tst-001', 'manual'));
    writeFileSync(join(dir, 'notes.txt'), 'not a policy');
    expect(loadPolicy(join(dir, 'none.yaml')).errors[0]!.message).toBe('the file does not exist');
    const loads = builtInPolicies(dir);
    expect(loads).toHaveLength(1);
    expect(loads[0]!.policy).toEqual(expect.objectContaining({ id: 'test-policy', builtIn: true, source: join(dir, 'b.yaml') }));
    expect(builtInPoliciesDir('/app')).toBe('/app/policies');
  });
});
