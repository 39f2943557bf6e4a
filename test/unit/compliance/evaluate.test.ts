import { describe, expect, it } from 'vitest';
import {
  applicability,
  combine,
  evaluateCheck,
  evaluateRule,
  parseOsRelease,
  testValue,
  type EvalContext,
  type Verdict,
} from '../../../electron/core/compliance/evaluate';
import type { FileFact, GpusFact, LoginDefsFact, ProbeFact, SshdFact } from '../../../electron/core/compliance/probes/index';
import { probeKey } from '../../../electron/core/compliance/probes/index';
import { gpu } from '../../helpers/snapshots';
import type { Check, CheckStatus, RuleNode } from '../../../electron/core/compliance/types';

const v = (status: CheckStatus): Verdict => ({ status, detail: status });

describe('combine: the verdict rules', () => {
  const table: Array<[CheckStatus[], CheckStatus, CheckStatus, CheckStatus]> = [
    // children, all, any, none
    [['pass', 'pass'], 'pass', 'pass', 'fail'],
    [['pass', 'fail'], 'fail', 'pass', 'fail'],
    [['fail', 'fail'], 'fail', 'fail', 'pass'],
    [['pass', 'error'], 'error', 'pass', 'fail'],
    [['fail', 'error'], 'fail', 'error', 'error'],
    [['error', 'error'], 'error', 'error', 'error'],
    [['pass', 'not-applicable'], 'pass', 'pass', 'fail'],
    [['fail', 'not-applicable'], 'fail', 'fail', 'pass'],
    [['not-applicable', 'not-applicable'], 'not-applicable', 'not-applicable', 'not-applicable'],
  ];
  it.each(table)('%j -> all %s, any %s, none %s', (children, all, any, none) => {
    const verdicts = children.map(v);
    expect(combine('all', verdicts).status).toBe(all);
    expect(combine('any', verdicts).status).toBe(any);
    expect(combine('none', verdicts).status).toBe(none);
  });
});

const sshd = (options: Record<string, string>, problem: string | null = null): SshdFact => ({
  kind: 'sshd',
  source: problem ? null : 'sshd -T',
  options,
  all: {},
  matchBlocks: [],
  files: [],
  problem,
  warnings: [],
});
const file = (over: Partial<FileFact>): FileFact => ({
  kind: 'file',
  path: '/etc/shadow',
  exists: true,
  type: 'file',
  mode: 0o640,
  uid: 0,
  gid: 42,
  owner: 'root',
  group: 'shadow',
  problem: null,
  warnings: [],
  ...over,
});

function ctx(facts: ProbeFact[], gpus: GpusFact | null = null): EvalContext {
  const byKey = new Map<string, ProbeFact>();
  for (const fact of facts) {
    const probe = fact.kind === 'file' ? { kind: 'file' as const, path: fact.path } : ({ kind: fact.kind } as never);
    byKey.set(probeKey(probe), fact);
  }
  return { nodeId: 'n1', fact: (probe) => byKey.get(probeKey(probe)), fleet: { gpus: new Map([['n1', gpus]]) } };
}

describe('evaluateRule over facts', () => {
  const rootLogin: RuleNode = { sshd: { keyword: 'permitrootlogin', in: ['no'] } };
  it('passes and fails on the value, with a line that says what was found against what was required', () => {
    expect(evaluateRule(rootLogin, ctx([sshd({ permitrootlogin: 'no' })]))).toEqual({ status: 'pass', detail: 'sshd permitrootlogin is no' });
    expect(evaluateRule(rootLogin, ctx([sshd({ permitrootlogin: 'yes' })]))).toEqual({
      status: 'fail',
      detail: 'sshd permitrootlogin is yes, required one of no',
    });
    expect(evaluateRule(rootLogin, ctx([sshd({})])).status).toBe('fail');
  });

  it('makes an unreadable fact an error with its reason, never a pass or fail', () => {
    expect(evaluateRule(rootLogin, ctx([sshd({}, 'needs privilege')]))).toEqual({ status: 'error', detail: 'sshd configuration: needs privilege' });
    expect(evaluateRule({ file: { path: '/etc/shadow', modeMax: 0o640 } }, ctx([file({ exists: null, mode: null, problem: 'needs privilege' })]))).toEqual({
      status: 'error',
      detail: '/etc/shadow: needs privilege',
    });
    expect(evaluateRule(rootLogin, ctx([])).status).toBe('error');
  });

  it('reads file modes and owners, and combines leaves through all / any / none', () => {
    const shadow: RuleNode = { file: { path: '/etc/shadow', modeMax: 0o640, owner: 'root' } };
    expect(evaluateRule(shadow, ctx([file({})]))).toEqual({ status: 'pass', detail: '/etc/shadow: mode 0640, owner root' });
    expect(evaluateRule(shadow, ctx([file({ mode: 0o644 })]))).toEqual({ status: 'fail', detail: '/etc/shadow: mode 0644 (at most 0640)' });
    const both: RuleNode = { all: [shadow, rootLogin] };
    expect(evaluateRule(both, ctx([file({}), sshd({}, 'needs privilege')])).status).toBe('error');
    expect(evaluateRule(both, ctx([file({ mode: 0o666 }), sshd({}, 'needs privilege')])).status).toBe('fail');
    expect(evaluateRule({ any: [shadow, rootLogin] }, ctx([file({}), sshd({}, 'needs privilege')])).status).toBe('pass');
    expect(evaluateRule({ none: [rootLogin] }, ctx([sshd({ permitrootlogin: 'no' })])).status).toBe('fail');
  });

  it('tests values: numbers, booleans, comma lists item by item, anchored regexes', () => {
    expect(testValue('4', { max: 4 })).toEqual({ ok: true });
    expect(testValue('5', { max: 4 })).toEqual({ ok: false });
    expect(testValue('lots', { max: 4 })).toEqual({ error: '"lots" is not a number' });
    expect(testValue('2', { equals: 2 })).toEqual({ ok: true });
    expect(testValue('yes', { equals: true })).toEqual({ ok: true });
    expect(testValue('aes256-ctr,3des-cbc', { notIn: ['3des-cbc'] })).toEqual({ ok: false });
    expect(testValue('aes256-ctr,aes128-ctr', { notIn: ['3des-cbc'] })).toEqual({ ok: true });
    expect(testValue('VERBOSE', { matches: 'INFO|VERBOSE' })).toEqual({ ok: true });
    expect(testValue('NOT VERBOSE', { matches: 'INFO|VERBOSE' })).toEqual({ ok: false });
    const defs: LoginDefsFact = { kind: 'login-defs', values: { PASS_MAX_DAYS: '99999' }, problem: null, warnings: [] };
    const rule: RuleNode = { loginDefs: { key: 'PASS_MAX_DAYS', max: 365 } };
    expect(evaluateRule(rule, ctx([defs]))).toEqual({ status: 'fail', detail: 'PASS_MAX_DAYS is 99999, required <= 365' });
  });
});

describe('applicability', () => {
  const os = parseOsRelease('ID=ubuntu\nID_LIKE="debian"\nVERSION_ID="22.04"\n');
  const noGpu: GpusFact = {
    kind: 'gpus',
    present: false,
    driverVersion: null,
    cudaVersion: null,
    gpus: [],
    nvswitch: null,
    problem: 'not installed',
    warnings: [],
  };
  it('takes the OS family from ID and ID_LIKE, the version from VERSION_ID, GPUs from nvidia-smi', () => {
    expect(applicability({ osFamily: ['debian'] }, os, null, undefined).status).toBe('pass');
    expect(applicability({ osFamily: ['rhel'] }, os, null, undefined)).toEqual({ status: 'not-applicable', detail: 'for rhel; this node is ubuntu debian' });
    expect(applicability({ osVersion: '2[02]\\..*' }, os, null, undefined).status).toBe('pass');
    expect(applicability({ osFamily: ['debian'] }, null, 'needs privilege', undefined).status).toBe('error');
    expect(applicability({ gpu: true }, os, null, noGpu).status).toBe('not-applicable');
    expect(applicability({ gpu: true }, os, null, { ...noGpu, present: null, problem: 'timed out' }).status).toBe('error');
  });

  it('makes a manual check manual and a check for another OS not applicable', () => {
    const check: Check = {
      id: 'tst-001',
      title: 't',
      description: 'd',
      rationale: 'r',
      remediation: 'x',
      severity: 'low',
      references: { cis: [], nist: [], ssg: [] },
      applies: {},
      rule: null,
      note: null,
      source: { file: 'f', line: 1 },
    };
    const node = { ...ctx([]), os, osProblem: null };
    expect(evaluateCheck(check, node).status).toBe('manual');
    expect(evaluateCheck({ ...check, applies: { osFamily: ['rhel'] }, rule: { sshd: { keyword: 'x', equals: 'y' } } }, node).status).toBe('not-applicable');
  });
});

describe('a GPU field nvidia-smi reports as N/A', () => {
  const extra = {
    persistenceMode: 'Enabled',
    vbiosVersion: null,
    inforomImage: null,
    inforomOem: null,
    inforomEcc: null,
    eccModePending: null,
    migModePending: null,
    fabricState: null,
    datacenter: true,
  };
  const volta = {
    ...gpu({ index: 0, productName: 'Tesla V100-SXM3-32GB', remappedRows: null, retiredPages: { singleBit: 0, doubleBit: 2, pending: 'Yes' } }),
    ...extra,
  };
  const ampere = {
    ...gpu({
      index: 1,
      productName: 'NVIDIA A100-SXM4-80GB',
      retiredPages: null,
      remappedRows: { correctable: 0, uncorrectable: 0, pending: 'No', failure: 'No' },
    }),
    ...extra,
  };
  const fact = (gpus: GpusFact['gpus']): GpusFact => ({
    kind: 'gpus',
    present: true,
    driverVersion: '550',
    cudaVersion: '12.4',
    gpus,
    nvswitch: false,
    problem: null,
    warnings: [],
  });
  const remap: RuleNode = { gpu: { field: 'remappedRows.failure', equals: 'No' } };

  it('is not asked of a GPU without the feature: no GPU reporting it is not applicable, never an error', () => {
    expect(evaluateRule(remap, ctx([fact([volta])], fact([volta]))).status).toBe('not-applicable');
    expect(evaluateRule({ gpu: { field: 'retiredPages.pending', equals: 'No' } }, ctx([fact([ampere])], fact([ampere]))).status).toBe('not-applicable');
  });

  it('is judged on the GPUs that report it', () => {
    expect(evaluateRule(remap, ctx([fact([volta, ampere])], fact([volta, ampere])))).toEqual({
      status: 'pass',
      detail: '1 GPU: remappedRows.failure = No (1 without it)',
    });
    expect(evaluateRule({ gpu: { field: 'retiredPages.pending', equals: 'No' } }, ctx([fact([volta, ampere])], fact([volta, ampere]))).status).toBe('fail');
  });
});

describe('details never quote a secret file', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nbob:$6$salt$hash:1000:1000::/home/bob:/bin/sh\n';
  const content = (path: string, text: string): ProbeFact =>
    ({
      kind: 'file-content',
      path,
      exists: true,
      files: [{ path, text }],
      text,
      problem: null,
      warnings: [],
    }) as unknown as ProbeFact;
  const byKey = (fact: ProbeFact): EvalContext => ({ nodeId: 'n1', fact: () => fact, fleet: { gpus: new Map() } });

  it('gnb-acct-003 over a passwd holding a hash fails without quoting it', () => {
    const rule: RuleNode = { content: { path: '/etc/passwd', everyLine: { select: '^[^:#]+:', matches: '^[^:]+:x:' } } };
    const verdict = evaluateRule(rule, byKey(content('/etc/passwd', passwd)));
    expect(verdict.status).toBe('fail');
    expect(verdict.detail).not.toContain('$6$');
    expect(verdict.detail).toContain('line 2');
  });

  it('an absent rule over /etc/shadow names the line, not its text', () => {
    const rule: RuleNode = { content: { path: '/etc/shadow', absent: '(?m)^bob:' } };
    const verdict = evaluateRule(rule, byKey(content('/etc/shadow', 'root:*:1:\nbob:$y$j9T$secret:19000:0:99999:7:::\n')));
    expect(verdict.status).toBe('fail');
    expect(verdict.detail).not.toContain('$y$');
    expect(verdict.detail).toContain('line 2');
  });

  it('other files are still quoted', () => {
    const rule: RuleNode = { content: { path: '/etc/hosts', absent: 'evil' } };
    expect(evaluateRule(rule, byKey(content('/etc/hosts', 'a\nevil host\n'))).detail).toContain('"evil"');
  });
});
