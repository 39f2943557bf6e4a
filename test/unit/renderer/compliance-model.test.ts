import { describe, expect, it } from 'vitest';
import type { AuditResultView, AuditRunSummary, CheckInfo, ScoreView, Waiver } from '../../../shared/model/audits';
import {
  base64ToBytes,
  buildMatrix,
  complianceHash,
  countByStatus,
  dateInputValue,
  DEFAULT_COMPLIANCE_FILTER,
  expiryFromDate,
  exportScope,
  parseComplianceHash,
  previousRunOf,
  progressPercent,
  progressText,
  referencesText,
  safeFileName,
  scoreText,
  scoreTone,
  statusClass,
  waiversFor,
  waiverState,
} from '../../../renderer/src/compliance/model';

function check(id: string, over: Partial<CheckInfo> = {}): CheckInfo {
  return {
    id,
    title: `Title of ${id}`,
    description: '',
    rationale: '',
    remediation: '',
    severity: 'medium',
    references: { cis: [], nist: [], ssg: [] },
    manual: false,
    note: null,
    ...over,
  };
}

function result(nodeId: string, checkId: string, effective: AuditResultView['effective']): AuditResultView {
  return {
    runId: 1,
    nodeId,
    checkId,
    status: effective === 'waived' ? 'fail' : effective,
    effective,
    detail: '',
    evidence: [],
    evidenceSha256: '',
    hostKey: null,
    attestationId: null,
    waiverId: null,
  };
}

const score = (over: Partial<ScoreView>): ScoreView => ({ pass: 0, fail: 0, error: 0, notApplicable: 0, manual: 0, waived: 0, score: null, ...over });

describe('buildMatrix', () => {
  const checks = [
    check('ssh-1', { severity: 'high', references: { cis: ['5.2.4'], nist: [], ssg: [] } }),
    check('acct-1', { severity: 'low', references: { cis: [], nist: ['AC-2'], ssg: [] }, title: 'No empty passwords' }),
    check('kern-1'),
  ];
  const results = [
    result('weak', 'ssh-1', 'fail'),
    result('hardened', 'ssh-1', 'pass'),
    result('weak', 'acct-1', 'waived'),
    result('hardened', 'acct-1', 'pass'),
    result('hardened', 'kern-1', 'error'),
  ];

  it('puts checks in policy order as rows and nodes sorted as columns, null where a node has no result', () => {
    const m = buildMatrix(checks, results);
    expect(m.nodes).toEqual(['hardened', 'weak']);
    expect(m.rows.map((r) => r.check.id)).toEqual(['ssh-1', 'acct-1', 'kern-1']);
    expect(m.rows[0]!.cells.map((c) => c?.effective)).toEqual(['pass', 'fail']);
    expect(m.rows[2]!.cells.map((c) => c?.effective ?? null)).toEqual(['error', null]);
  });

  it('keeps rows with a cell of a chosen status: waived is its own status, not pass', () => {
    expect(buildMatrix(checks, results, { ...DEFAULT_COMPLIANCE_FILTER, statuses: ['waived'] }).rows.map((r) => r.check.id)).toEqual(['acct-1']);
    expect(buildMatrix(checks, results, { ...DEFAULT_COMPLIANCE_FILTER, statuses: ['fail'] }).rows.map((r) => r.check.id)).toEqual(['ssh-1']);
  });

  it('filters by severity, framework and text', () => {
    expect(buildMatrix(checks, results, { ...DEFAULT_COMPLIANCE_FILTER, severities: ['low'] }).rows.map((r) => r.check.id)).toEqual(['acct-1']);
    expect(buildMatrix(checks, results, { ...DEFAULT_COMPLIANCE_FILTER, frameworks: ['cis'] }).rows.map((r) => r.check.id)).toEqual(['ssh-1']);
    expect(buildMatrix(checks, results, { ...DEFAULT_COMPLIANCE_FILTER, frameworks: ['ssg'] }).rows).toEqual([]);
    expect(buildMatrix(checks, results, { ...DEFAULT_COMPLIANCE_FILTER, text: 'EMPTY pass' }).rows.map((r) => r.check.id)).toEqual(['acct-1']);
  });

  it('counts effective statuses', () => {
    expect(countByStatus(results)).toEqual({ pass: 2, fail: 1, error: 1, 'not-applicable': 0, manual: 0, waived: 1 });
  });
});

describe('status colours and scores', () => {
  it('gives waived a class of its own, never the pass class', () => {
    expect(statusClass('waived')).toBe('cstatus cstatus--waived');
    expect(statusClass('pass')).toBe('cstatus cstatus--pass');
    expect(statusClass(null)).toBe('cstatus cstatus--missing');
  });

  it('writes a score with its counts, and no score when nothing passed or failed', () => {
    expect(scoreText(score({ pass: 26, fail: 4, waived: 2, score: 26 / 30 }))).toBe('87 % · 26 pass, 4 fail, 2 waived');
    expect(scoreText(score({ manual: 3 }))).toBe('no score · 0 pass, 0 fail, 3 manual');
    expect(scoreTone(score({ score: 0.95 }))).toBe('ok');
    expect(scoreTone(score({ score: 0.75 }))).toBe('warn');
    expect(scoreTone(score({ score: 0.5 }))).toBe('error');
    expect(scoreTone(score({}))).toBe('neutral');
  });

  it('lists references framework by framework', () => {
    expect(referencesText({ cis: ['5.2.4', '5.2.5'], nist: ['AC-17'], ssg: [] })).toBe('CIS 5.2.4, 5.2.5 · NIST AC-17');
    expect(referencesText({ cis: [], nist: [], ssg: [] })).toBe('');
  });
});

describe('progress', () => {
  const p = { runId: null, policyId: 'gnb', done: 1, total: 3, nodeId: 'weak', finished: false, error: null };
  it('is a bounded percentage; finished is 100', () => {
    expect(progressPercent(p)).toBe(33);
    expect(progressPercent({ ...p, total: 0 })).toBe(0);
    expect(progressPercent({ ...p, done: 9 })).toBe(100);
    expect(progressPercent({ ...p, done: 2, finished: true })).toBe(100);
  });
  it('says what is happening', () => {
    expect(progressText(p)).toBe('Auditing 1 of 3 nodes (weak done)…');
    expect(progressText({ ...p, done: 3, finished: true, runId: 7 })).toBe('Audit finished: 3 nodes (run 7)');
    expect(progressText({ ...p, finished: true, error: 'no such policy' })).toBe('Audit failed: no such policy');
  });
});

describe('runs and waivers', () => {
  const run = (runId: number, policyId: string): AuditRunSummary => ({
    runId,
    policyId,
    policyVersion: '1',
    policySha256: '',
    startedAt: 0,
    endedAt: 0,
    nodes: [],
    score: score({}),
    frameworks: {} as AuditRunSummary['frameworks'],
  });

  it('finds the previous run of the same policy in a newest-first list', () => {
    const runs = [run(5, 'a'), run(4, 'b'), run(3, 'a'), run(2, 'a')];
    expect(previousRunOf(runs, 5)?.runId).toBe(3);
    expect(previousRunOf(runs, 4)).toBeNull();
    expect(previousRunOf(runs, 2)).toBeNull();
    expect(previousRunOf(runs, 99)).toBeNull();
  });

  it('turns a date into the end of that local day, refusing non-dates', () => {
    const ms = expiryFromDate('2031-02-28')!;
    const d = new Date(ms);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2031, 1, 28, 23, 59]);
    expect(dateInputValue(ms)).toBe('2031-02-28');
    expect(expiryFromDate('2031-02-30')).toBeNull();
    expect(expiryFromDate('tomorrow')).toBeNull();
  });

  const waiver = (over: Partial<Waiver>): Waiver => ({
    id: 1,
    checkId: 'ssh-1',
    scope: { kind: 'fleet' },
    justification: 'j',
    approver: 'a',
    by: 'b',
    createdAtMs: 0,
    expiresAtMs: 1000,
    revokedAtMs: null,
    active: true,
    ...over,
  });

  it('tells an active, expired and revoked waiver apart', () => {
    expect(waiverState(waiver({}), 500)).toBe('active');
    expect(waiverState(waiver({}), 1000)).toBe('expired');
    expect(waiverState(waiver({ revokedAtMs: 10 }), 500)).toBe('revoked');
  });

  it("keeps the waivers of a check that concern a node: its own, any group's, the fleet's", () => {
    const ws = [
      waiver({ id: 1, scope: { kind: 'node', nodeId: 'weak' } }),
      waiver({ id: 2, scope: { kind: 'node', nodeId: 'other' } }),
      waiver({ id: 3, scope: { kind: 'fleet' } }),
      waiver({ id: 4, scope: { kind: 'group', group: 'gpu' } }),
      waiver({ id: 5, checkId: 'acct-1' }),
    ];
    expect(waiversFor(ws, 'ssh-1', 'weak').map((w) => w.id)).toEqual([1, 3, 4]);
  });
});

describe('export', () => {
  it('sends no scope when everything is chosen', () => {
    expect(exportScope(['a', 'b'], ['a', 'b'])).toBeUndefined();
    expect(exportScope([], ['a', 'b'])).toBeUndefined();
    expect(exportScope(['b'], ['a', 'b'])).toEqual(['b']);
  });

  it('decodes the base64 content byte for byte', () => {
    const text = 'node,check\nweak,"a, ""quoted"" remediation"\n';
    const bytes = base64ToBytes(Buffer.from(text, 'utf8').toString('base64'));
    expect(Buffer.from(bytes).toString('utf8')).toBe(text);
    expect([...base64ToBytes(Buffer.from([0, 255, 128]).toString('base64'))]).toEqual([0, 255, 128]);
  });

  it('keeps file names to one plain name', () => {
    expect(safeFileName('../../etc/passwd', 'report')).toBe('_.._etc_passwd');
    expect(safeFileName('audit-7.csv', 'report')).toBe('audit-7.csv');
    expect(safeFileName('', 'report')).toBe('report');
  });
});

describe('hash routes', () => {
  it('parses #/compliance and #/compliance/run/ID, nothing else', () => {
    expect(parseComplianceHash('#/compliance')).toEqual({ runId: null });
    expect(parseComplianceHash('#/compliance/run/12')).toEqual({ runId: 12 });
    expect(parseComplianceHash('#compliance/run/0')).toEqual({ runId: null });
    expect(parseComplianceHash('#/alerts/3')).toBeNull();
    expect(parseComplianceHash('#/compliance/run/x')).toBeNull();
    expect(parseComplianceHash('')).toBeNull();
  });
  it('writes the hash back', () => {
    expect(complianceHash()).toBe('#/compliance');
    expect(complianceHash({ runId: 4 })).toBe('#/compliance/run/4');
    expect(parseComplianceHash(complianceHash({ runId: 4 }))).toEqual({ runId: 4 });
  });
});
