import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPolicy } from '../../../electron/core/compliance/policy-loader';

// The built-in policy's references are the map from its checks to the SCAP Security Guide's rules
// (what the OpenSCAP agreement test compares). Every SSG id must exist in the data stream they
// were checked against: ssg-debian 0.1.76's Debian 12 data stream, which scripts/fetch-ssg.mjs
// downloads (no install) into the cache below. Without it this test fails rather than pass blind.
const ROOT = join(__dirname, '..', '..', '..');
const POLICY_FILE = join(ROOT, 'policies', 'gpu-node-baseline.yaml');
const SSG_DIR = process.env.CLUSTERDECK_SSG_DIR || join(ROOT, 'node_modules', '.cache', 'clusterdeck-ssg');
const DATA_STREAM = join(SSG_DIR, 'ssg-debian', 'usr', 'share', 'xml', 'scap', 'ssg', 'content', 'ssg-debian12-ds.xml');
const SSG_PREFIX = 'xccdf_org.ssgproject.content_rule_';

interface RawCheck {
  id: string;
  title?: string;
  rationale?: string;
  remediation?: string;
  severity?: string;
  note?: string;
  references?: { cis?: string[]; nist?: string[]; ssg?: string[] };
  applies?: { gpu?: boolean; nvswitch?: boolean };
}

const raw = parse(readFileSync(POLICY_FILE, 'utf8')) as { checks: RawCheck[] };
const checks = raw.checks;

/** The rule ids the data stream defines (its XCCDF Rule elements, not mere mentions in profiles). */
function dataStreamRuleIds(path: string): Set<string> {
  const text = readFileSync(path, 'utf8');
  const ids = new Set<string>();
  for (const match of text.matchAll(/<xccdf-1\.2:Rule\b[^>]*?\bid="(xccdf_org\.ssgproject\.content_rule_[A-Za-z0-9_.-]+)"/g)) ids.add(match[1]!);
  return ids;
}

describe('policies/gpu-node-baseline.yaml', () => {
  it('loads through the policy loader with zero errors, as a built-in policy', () => {
    const { policy, errors } = loadPolicy(POLICY_FILE, { builtIn: true });
    expect(errors).toEqual([]);
    expect(policy?.id).toBe('gpu-node-baseline');
    expect(policy?.checks.map((c) => c.id)).toEqual(checks.map((c) => c.id));
  });

  it('has at least 40 checks with unique, stable-looking ids (gnb-<area>-NNN)', () => {
    expect(checks.length).toBeGreaterThanOrEqual(40);
    const ids = checks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^gnb-(ssh|acct|perm|kern|svc|log|gpu)-\d{3}$/);
  });

  it('gives every check a title, rationale, remediation, severity and a NIST control', () => {
    for (const check of checks) {
      expect(check.title?.trim().length, check.id).toBeGreaterThan(5);
      expect(check.rationale?.trim().length, check.id).toBeGreaterThan(20);
      expect(check.remediation?.trim().length, check.id).toBeGreaterThan(10);
      expect(['low', 'medium', 'high', 'critical'], check.id).toContain(check.severity);
      expect(check.references?.nist?.length ?? 0, check.id).toBeGreaterThan(0);
    }
  });

  it('covers the areas the issue lists, GPU checks only on GPU nodes and the fabric manager only with NVSwitches', () => {
    const areas = new Map<string, number>();
    for (const check of checks) areas.set(check.id.split('-')[1]!, (areas.get(check.id.split('-')[1]!) ?? 0) + 1);
    for (const area of ['ssh', 'acct', 'perm', 'kern', 'svc', 'log', 'gpu']) expect(areas.get(area) ?? 0, area).toBeGreaterThan(0);
    for (const check of checks.filter((c) => c.id.startsWith('gnb-gpu-'))) expect(check.applies?.gpu, check.id).toBe(true);
    const fabric = checks.find((c) => /fabric manager/i.test(c.title ?? ''));
    expect(fabric?.applies?.nvswitch).toBe(true);
  });

  it('names each SSG rule at most once per check, in the rule-id form', () => {
    for (const check of checks) {
      const ssg = check.references?.ssg ?? [];
      expect(new Set(ssg).size, check.id).toBe(ssg.length);
      for (const id of ssg) expect(id, check.id).toMatch(/^xccdf_org\.ssgproject\.content_rule_[a-z0-9_-]+$/);
    }
  });

  it('references only SSG rules that exist in the Debian 12 data stream of ssg-debian 0.1.76', () => {
    if (!existsSync(DATA_STREAM)) {
      throw new Error(`the SSG data stream is missing (${DATA_STREAM}): run scripts/fetch-ssg.mjs (node scripts/fetch-ssg.mjs)`);
    }
    const defined = dataStreamRuleIds(DATA_STREAM);
    expect(defined.size).toBeGreaterThan(500);
    const referenced = checks.flatMap((c) => (c.references?.ssg ?? []).map((id) => ({ check: c.id, id })));
    expect(referenced.length).toBeGreaterThanOrEqual(30);
    const unknown = referenced.filter((r) => !defined.has(r.id)).map((r) => `${r.check}: ${r.id.slice(SSG_PREFIX.length)}`);
    expect(unknown).toEqual([]);
  });
});
