import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../../electron/core/alerts/rule-loader';
import { RULE_LIMITS } from '../../../electron/core/alerts/rule-schema';

let dir: string;
let userDir: string;
let defaultFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-rules-'));
  userDir = join(dir, 'user');
  mkdirSync(userDir);
  defaultFile = join(dir, 'default.yaml');
  writeFileSync(defaultFile, DEFAULTS);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DEFAULTS = `rules:
  - id: disk-full
    name: Disk full
    watch: { metric: fs.used_pct }
    condition: ">= 95"
    recover: 90
    for: 1m
    severity: critical
    message: "{{node}}: {{subject}} {{value}}%"
    runbook: clean up
    rationale: writes fail
  - id: gpu-hot
    name: GPU hot
    watch:
      metric: gpu.temperature_c
    condition: "> 85"
    for: 2m
    severity: warning
    message: "{{node}} {{gpu}} {{value}}"
  - id: xid
    name: Xid
    watch: { detector: xid, select: { xid: "~4[38]|79", node: gpu-07 } }
    keep_firing_for: 1h
    severity: from-signal
    message: "{{text}}"
inhibit:
  - source: { rule: node-unreachable }
    target: { category: "~gpu|host" }
    equal: [node]
`;

function user(name: string, text: string): string {
  const path = join(userDir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadRules', () => {
  it('turns the YAML into engine rules: watch, condition, hysteresis, durations, selectors, source', () => {
    const set = loadRules({ defaultFile, userDir });
    expect(set.errors).toEqual([]);
    expect(set.rules.map((rule) => rule.id)).toEqual(['disk-full', 'gpu-hot', 'xid']);
    const [disk, hot, xid] = set.rules;
    expect(disk).toMatchObject({
      watch: { kind: 'metric', metric: 'fs.used_pct', selectors: {}, op: '>=', threshold: 95, recover: 90 },
      forMs: 60_000,
      keepFiringForMs: 0,
      severity: 'critical',
      runbook: 'clean up',
      rationale: 'writes fail',
      source: { file: defaultFile, line: 2 },
    });
    expect(hot).toMatchObject({ watch: { recover: null }, forMs: 120_000, rationale: '', runbook: '', source: { line: 12 } });
    expect(xid!.watch.kind).toBe('detector');
    const selectors = xid!.watch.selectors;
    expect(selectors.node).toEqual({ value: 'gpu-07', regex: null });
    expect(['43', '48', '79'].map((v) => selectors.xid!.regex!.test(v))).toEqual([true, true, true]);
    // Anchored: the regex matches the whole value, never a part of it.
    expect(['143', '4', '790'].map((v) => selectors.xid!.regex!.test(v))).toEqual([false, false, false]);
    expect(set.inhibit).toEqual([
      {
        source: { rule: { value: 'node-unreachable', regex: null } },
        target: { category: expect.objectContaining({ value: '~gpu|host' }) },
        equal: ['node'],
        source_file: { file: defaultFile, line: 27 },
      },
    ]);
  });

  it('treats a missing user folder as no user rules, and a missing default file as one error', () => {
    expect(loadRules({ defaultFile, userDir: join(dir, 'nope') }).errors).toEqual([]);
    const set = loadRules({ defaultFile: join(dir, 'gone.yaml'), userDir });
    expect(set.rules).toEqual([]);
    expect(set.errors).toEqual([{ file: join(dir, 'gone.yaml'), line: null, message: 'the file does not exist' }]);
  });

  it('reports a bad field with file and line, skips that rule and keeps the others', () => {
    const file = user(
      'a.yaml',
      `rules:
  - id: ok-one
    name: fine
    watch: { metric: cpu.load_per_core }
    condition: "> 4"
    severity: warning
    message: "{{node}} {{value}}"
  - id: bad-one
    name: broken
    watch: { metric: cpu.load_per_core }
    condition: "> 4"
    for: 10 minutes
    severity: warning
    message: "{{node}}"
  - id: also-ok
    name: fine too
    watch: { detector: node-unreachable }
    for: 30s
    severity: critical
    message: "{{node}} down"
`,
    );
    const set = loadRules({ defaultFile, userDir });
    expect(set.rules.map((rule) => rule.id)).toEqual(['disk-full', 'gpu-hot', 'xid', 'ok-one', 'also-ok']);
    expect(set.errors).toEqual([
      { file, line: 12, message: 'rule "bad-one": for: "10 minutes" is not a duration: write a number and a unit, e.g. 30s, 2m, 1h, 1h30m' },
    ]);
  });

  it('refuses an unknown detector or metric by name, listing the known ones', () => {
    const file = user(
      'b.yml',
      `rules:
  - id: typo-detector
    name: x
    watch:
      detector: gpu-fell-off
    severity: critical
    message: "{{node}}"
  - id: typo-metric
    name: x
    watch: { metric: gpu.temp }
    condition: "> 1"
    severity: info
    message: "{{node}}"
`,
    );
    const { errors } = loadRules({ defaultFile, userDir });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ file, line: 5 });
    expect(errors[0]!.message).toMatch(/^rule "typo-detector": watch\.detector: unknown detector "gpu-fell-off"; known detectors: xid, gpu-fallen-off-bus, /);
    expect(errors[1]).toMatchObject({ file, line: 10 });
    expect(errors[1]!.message).toMatch(
      /^rule "typo-metric": watch\.metric: unknown metric "gpu\.temp"; known metrics: .*gpu\.temperature_c.*fs\.inodes_used_pct/,
    );
  });

  it('reports a bad regex and an unsafe one at the selector’s line', () => {
    const file = user(
      'c.yaml',
      `rules:
  - id: bad-regex
    name: x
    watch:
      detector: xid
      select:
        xid: "~(4[38"
    keep_firing_for: 1h
    severity: from-signal
    message: "{{text}}"
  - id: slow-regex
    name: x
    watch:
      detector: xid
      select:
        name: "~(a+)+b"
    keep_firing_for: 1h
    severity: from-signal
    message: "{{text}}"
`,
    );
    const { errors, rules } = loadRules({ defaultFile, userDir });
    expect(rules).toHaveLength(3);
    expect(errors[0]).toMatchObject({ file, line: 7 });
    expect(errors[0]!.message).toMatch(/^rule "bad-regex": watch\.select\.xid: bad regex \/\(4\[38\/: /);
    expect(errors[1]).toEqual({
      file,
      line: 16,
      message: 'rule "slow-regex": watch.select.name: regex /(a+)+b/ refused: a repeated group that itself repeats (like (a+)+) can take exponential time',
    });
  });

  it('reports a duplicate id in one file, naming where the first is', () => {
    const file = user(
      'd.yaml',
      `rules:
  - { id: twice, name: a, watch: { detector: node-auth-failed }, severity: critical, message: "{{node}}" }
  - { id: twice, name: b, watch: { detector: node-auth-failed }, severity: warning, message: "{{node}}" }
`,
    );
    const set = loadRules({ defaultFile, userDir });
    expect(set.rules.find((rule) => rule.id === 'twice')).toMatchObject({ name: 'a' });
    expect(set.errors).toEqual([{ file, line: 3, message: `rule "twice": duplicate id (first at ${file}:2); this one is skipped` }]);
  });

  it('reports a YAML syntax error as one error for the file, and still loads the other files', () => {
    const broken = user('e.yaml', 'rules:\n  - id: x\n    name: [unclosed\n');
    user('f.yaml', 'rules:\n  - { id: fine, name: f, watch: { detector: node-unreachable }, severity: critical, message: "{{node}}" }\n');
    const set = loadRules({ defaultFile, userDir });
    expect(set.rules.map((rule) => rule.id)).toContain('fine');
    expect(set.errors).toHaveLength(1);
    expect(set.errors[0]).toMatchObject({ file: broken, line: expect.any(Number) });
    expect(set.errors[0]!.line).toBeGreaterThanOrEqual(3);
    expect(set.errors[0]!.message).toMatch(/^not valid YAML, the whole file is skipped: /);
  });

  it('lets a user rule with a default rule’s id replace it in place, and `disabled: true` turn one off', () => {
    const file = user(
      '10-mine.yaml',
      `rules:
  - id: gpu-hot
    name: GPU hot (our racks run warm)
    watch: { metric: gpu.temperature_c }
    condition: "> 90"
    recover: 85
    for: 5m
    severity: critical
    message: "{{node}} {{value}}"
  - id: disk-full
    disabled: true
  - id: not-a-default
    disabled: true
`,
    );
    const set = loadRules({ defaultFile, userDir });
    expect(set.rules.map((rule) => rule.id)).toEqual(['gpu-hot', 'xid']);
    expect(set.rules[0]).toMatchObject({ name: 'GPU hot (our racks run warm)', forMs: 300_000, source: { file, line: 2 } });
    expect(set.errors).toEqual([{ file, line: 12, message: 'rule "not-a-default": disabled, but no default rule has this id' }]);
  });

  it('keeps the default rule when the user’s replacement is invalid, and says so', () => {
    const file = user('mine.yaml', 'rules:\n  - { id: gpu-hot, name: x, watch: { metric: gpu.temperature_c }, severity: critical, message: "{{node}}" }\n');
    const set = loadRules({ defaultFile, userDir });
    expect(set.rules.find((rule) => rule.id === 'gpu-hot')!.source.file).toBe(defaultFile);
    expect(set.errors).toEqual([
      {
        file,
        line: 2,
        message: 'rule "gpu-hot": condition: a metric rule needs a condition, e.g. condition: ">= 95" (the default rule with this id stays in effect)',
      },
    ]);
  });

  it('reads *.yaml and *.yml in name order, ignoring other and hidden files; a later duplicate id is skipped', () => {
    const rule = (id: string, name: string) =>
      `rules:\n  - { id: ${id}, name: ${name}, watch: { detector: node-unreachable }, severity: critical, message: "{{node}}" }\n`;
    user('b.yml', rule('same', 'from-b'));
    const a = user('a.yaml', rule('same', 'from-a'));
    user('c.txt', 'not: yaml rules');
    user('.hidden.yaml', 'rules: [broken');
    user('README.md', '# notes');
    const set = loadRules({ defaultFile, userDir });
    expect(set.rules.find((r) => r.id === 'same')).toMatchObject({ name: 'from-a' });
    expect(set.errors).toEqual([{ file: join(userDir, 'b.yml'), line: 2, message: `rule "same": duplicate id (first at ${a}:2); this one is skipped` }]);
  });

  it('checks cross-field rules: severity from-signal, recover direction, event detectors need keep_firing_for, placeholders, unknown fields', () => {
    const file = user(
      'g.yaml',
      `rules:
  - id: r1
    name: x
    watch: { metric: fs.used_pct }
    condition: ">= 95"
    severity: from-signal
    message: "{{node}}"
  - id: r2
    name: x
    watch: { metric: fs.used_pct }
    condition: ">= 95"
    recover: 97
    severity: warning
    message: "{{node}}"
  - id: r3
    name: x
    watch: { detector: gpu-ecc-dbe }
    severity: critical
    message: "{{node}}"
  - id: r4
    name: x
    watch: { detector: gpu-ecc-dbe }
    keep_firing_for: 1h
    severity: critical
    message: "{{nod}} {{labels.xid}}"
  - id: r5
    name: x
    watch: { detector: node-unreachable }
    severity: critical
    message: "{{node}}"
    treshold: 5
wat: 1
`,
    );
    const { errors } = loadRules({ defaultFile, userDir });
    expect(errors).toEqual([
      { file, line: 32, message: 'unknown top-level field "wat"; a rules file has "rules:" and "inhibit:"' },
      { file, line: 6, message: 'rule "r1": severity: severity: from-signal is for detector rules only; a metric rule says info, warning or critical' },
      { file, line: 12, message: 'rule "r2": recover: with ">= 95" recover must be at most 95' },
      {
        file,
        line: 15,
        message:
          'rule "r3": keep_firing_for: detector gpu-ecc-dbe reports events, so the rule needs keep_firing_for (how long its alert stays after the last event), e.g. 1h',
      },
      { file, line: 25, message: 'rule "r4": message: unknown placeholder {{nod}}; known: {{node}} {{gpu}} {{subject}} {{value}} {{text}} {{labels.NAME}}' },
      { file, line: 31, message: 'rule "r5": unknown field treshold' },
    ]);
  });

  it('bounds its input: an oversized file is one error and is not parsed', () => {
    const big = user('big.yaml', `# ${'x'.repeat(RULE_LIMITS.fileBytes)}\n`);
    const set = loadRules({ defaultFile, userDir });
    expect(set.errors).toEqual([{ file: big, line: null, message: `the file is ${RULE_LIMITS.fileBytes + 3} bytes; the limit is ${RULE_LIMITS.fileBytes}` }]);
    expect(set.rules).toHaveLength(3);
  });

  it('refuses a YAML alias bomb as one error for the file', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i += 1)
      lines.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`)
          .join(', ')}]`,
      );
    const bomb = user('bomb.yaml', `${lines.join('\n')}\nrules: []\n`);
    const set = loadRules({ defaultFile, userDir });
    expect(set.errors).toHaveLength(1);
    expect(set.errors[0]).toMatchObject({ file: bomb, line: null });
    expect(set.errors[0]!.message).toMatch(/^the whole file is skipped: /);
  });

  it('reports a bad inhibit rule with its line', () => {
    const file = user('h.yaml', 'inhibit:\n  - source: { rule: node-unreachable }\n    target: {}\n    equal: [node]\n');
    const set = loadRules({ defaultFile, userDir });
    expect(set.inhibit).toHaveLength(1);
    expect(set.errors).toEqual([{ file, line: 3, message: 'inhibit[0]: target: target needs at least one matcher' }]);
  });
});
