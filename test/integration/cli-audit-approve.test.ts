// `clusterdeck policy approve FILE` through the built CLI, with `audit --policy FILE` over this
// machine: approved, the custom command runs; the file edited, the audit refuses it again until
// it is approved again; --sha256 approves only the contents the auditor reviewed; a file with
// errors is refused at file:line field; what the file would run is printed terminal-safe.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditDocument } from '../../electron/server/commands/audit';
import { isolatedEnv, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

interface Site {
  dir: string;
  file: string;
  flag: string;
  db: string;
  out: string;
}

/** A site policy whose one check runs a custom command: `cat FLAG` succeeds while the flag file exists. */
function writePolicy(site: Site, version = '1', description = 'the site flag file'): void {
  writeFileSync(
    site.file,
    [
      'id: site-extra',
      'title: Site extras',
      `version: "${version}"`,
      'description: A check only this site has',
      'commands:',
      '  - id: custom.flag',
      `    description: ${JSON.stringify(description)}`,
      '    program: /usr/bin/cat',
      `    args: ["--", ${JSON.stringify(site.flag)}]`,
      'checks:',
      '  - id: site-001',
      '    title: The site flag is set',
      '    description: The flag file exists',
      '    rationale: The site says so',
      '    remediation: Create it',
      '    severity: low',
      '    references: {}',
      '    rule:',
      '      command: { id: custom.flag, exit_code: 0 }',
      '',
    ].join('\n'),
  );
}

function newSite(): Site {
  const dir = tempDir();
  const site = { dir, file: join(dir, 'site.yaml'), flag: join(dir, 'flag'), db: join(dir, 'audits.db'), out: join(dir, 'report.json') };
  writeFileSync(site.flag, 'set\n');
  writePolicy(site);
  return site;
}

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function auditArgs(site: Site, withDb = true): string[] {
  return ['audit', '--local', '--policy', site.file, ...(withDb ? ['--db', site.db] : []), '--format', 'json', '--out', site.out];
}

function siteCheck(site: Site): AuditDocument['nodes'][number]['checks'][number] {
  return (JSON.parse(readFileSync(site.out, 'utf8')) as AuditDocument).nodes[0]!.checks[0]!;
}

describe('clusterdeck policy approve', () => {
  it('prints what the file may run, records its SHA-256, and audit then runs the custom command', () => {
    const site = newSite();
    const refused = runCli(auditArgs(site));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/is not approved: approve this file \(sha256 [0-9a-f]{64}\) first: clusterdeck policy approve /);

    const approved = runCli(['policy', 'approve', site.file, '--db', site.db, '--by', 'auditor']);
    expect(approved.stderr).toBe('');
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain(`policy site-extra 1 (${site.file}), sha256 ${sha256Of(site.file)} may run 1 custom command on the audited nodes:`);
    expect(approved.stdout).toContain(`  custom.flag: program /usr/bin/cat, args ["--","${site.flag}"], sudo no (the site flag file)`);
    expect(approved.stdout).toMatch(/^approved by auditor \(in .*audits\.db\)$/m);

    const ran = runCli(auditArgs(site));
    expect(ran.stderr).toMatch(/1\/1 node audited/);
    expect(ran.status).toBe(0);
    expect(siteCheck(site)).toMatchObject({
      checkId: 'site-001',
      status: 'pass',
      evidence: [expect.objectContaining({ source: `/usr/bin/cat -- ${site.flag}`, exitCode: 0 })],
    });

    const again = runCli(['policy', 'approve', site.file, '--db', site.db]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^already approved as it is now/m);
  });

  it('approves into the default database without --db, which an audit without --db reads', () => {
    const site = newSite();
    const env = isolatedEnv();
    expect(runCli(auditArgs(site, false), env).status).toBe(2);
    const approved = runCli(['policy', 'approve', site.file], env);
    expect(approved.status).toBe(0);
    expect(approved.stdout).toMatch(/^approved by \S+ \(in .*clusterdeck\.db\)$/m);
    const ran = runCli(auditArgs(site, false), env);
    expect(ran.status).toBe(0);
    expect(siteCheck(site).status).toBe('pass');
    // The run is stored in the default database too.
    expect(JSON.parse(readFileSync(site.out, 'utf8'))).toMatchObject({ runId: 1 });
  });

  it('must be given again once the file changed: the audit refuses the edited file until then', () => {
    const site = newSite();
    expect(runCli(['policy', 'approve', site.file, '--db', site.db]).status).toBe(0);
    expect(runCli(auditArgs(site)).status).toBe(0);

    writePolicy(site, '2');
    const refused = runCli(auditArgs(site));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/changed since it was approved: approve this file \(sha256 ([0-9a-f]{64})\)/);
    expect(refused.stderr).toContain(sha256Of(site.file));

    const approved = runCli(['policy', 'approve', site.file, '--db', site.db]);
    expect(approved.status).toBe(0);
    expect(approved.stdout).toMatch(/it had changed since its last approval/);
    expect(runCli(auditArgs(site)).status).toBe(0);
  });

  it('with --sha256 approves only those contents: another SHA-256 is exit 2 and approves nothing', () => {
    const site = newSite();
    const reviewed = sha256Of(site.file);
    writePolicy(site, '1', 'edited after the review');
    const mismatch = runCli(['policy', 'approve', site.file, '--db', site.db, '--sha256', reviewed]);
    expect(mismatch.status).toBe(2);
    expect(mismatch.stderr).toContain(`has sha256 ${sha256Of(site.file)}, not the ${reviewed} given with --sha256: nothing approved`);
    expect(mismatch.stdout).toBe('');
    expect(runCli(auditArgs(site)).status).toBe(2);

    const matching = runCli(['policy', 'approve', site.file, '--db', site.db, '--sha256', sha256Of(site.file).toUpperCase()]);
    expect(matching.status).toBe(0);
    expect(runCli(auditArgs(site)).status).toBe(0);
  });

  it('refuses usage errors and a policy with errors (file:line field), exit 2, approving nothing', () => {
    const site = newSite();
    const cases: Array<[string[], RegExp]> = [
      [['policy', 'approve', site.file, '--db', site.db, '--sha256', 'abc'], /--sha256 must be 64 hex digits/],
      [['policy', 'approve', join(site.dir, 'absent.yaml'), '--db', site.db], /absent\.yaml: no such policy file/],
      [['policy', 'approve', site.file, '--db', site.db, '--by', ''], /--by must be a name/],
      [['policy', 'approve', '--db', site.db], /missing required argument 'file'/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args);
      expect({ args, status: result.status }).toEqual({ args, status: 2 });
      expect(result.stderr).toMatch(message);
    }
    const broken = join(site.dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(site.file, 'utf8').replace('severity: low', 'severity: extreme'));
    const result = runCli(['policy', 'approve', broken, '--db', site.db]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${broken.replace(/[.]/g, '\\.')}:16 checks\\[0\\]\\.severity: `));
    expect(existsSync(site.db)).toBe(false);
  });

  it('prints the commands terminal-safe: controls and bidi overrides as visible escapes', () => {
    const site = newSite();
    writePolicy(site, '1', 'flag \u001b[2J\u202e file');
    const approved = runCli(['policy', 'approve', site.file, '--db', site.db]);
    expect(approved.status).toBe(0);
    expect(approved.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(approved.stdout).toContain('(flag \\x1b[2J\\u202e file)');
  });
});
