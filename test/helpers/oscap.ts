/**
 * OpenSCAP inside an SSH lab host: Debian's `oscap xccdf eval` (openscap-scanner) with the SCAP
 * Security Guide's Debian 12 data stream (scripts/fetch-ssg.mjs: trixie's ssg-debian 0.1.76,
 * unpacked, never installed), run through `nsenter` into the host's mount, UTS, PID and network
 * namespaces, so it reads what the host's sshd serves: its bound /etc, its /proc/sys files, its
 * dpkg status, its own net.* sysctls.
 *
 * Rules are chosen by a tailoring file: a profile selecting exactly the rule ids asked for (SSG's
 * rules are unselected by default) and setting SSG's variables to the values our policy declares,
 * so a disagreement is about how a fact is read, not about thresholds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './ssh-lab/run';

export const OSCAP = '/usr/bin/oscap';
export const SSG_RULE_PREFIX = 'xccdf_org.ssgproject.content_rule_';
export const SSG_VALUE_PREFIX = 'xccdf_org.ssgproject.content_value_';
const PROFILE_ID = 'xccdf_org.clusterdeck_profile_audit_agreement';

/** XCCDF 1.2 rule results (https://csrc.nist.gov/publications/detail/nistir/7275/rev-4/final, 6.6.4.2). */
export const OSCAP_RESULTS = ['pass', 'fail', 'error', 'unknown', 'notapplicable', 'notchecked', 'notselected', 'informational', 'fixed'] as const;
export type OscapResult = (typeof OSCAP_RESULTS)[number];

/**
 * The SSG Debian 12 data stream's path, fetched (or found in the cache) by scripts/fetch-ssg.mjs.
 * Throws a message saying what to do when it cannot be had, or when oscap is missing.
 */
export function ssgDebian12DataStream(): string {
  if (!existsSync(OSCAP)) throw new Error(`${OSCAP} is missing: apt-get install -y openscap-scanner (the OpenSCAP agreement test needs Debian's oscap)`);
  const script = join(__dirname, '..', '..', 'scripts', 'fetch-ssg.mjs');
  const out = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 300_000 });
  const path = out.stdout.trim().split('\n').pop() ?? '';
  if (out.status !== 0 || !path || !existsSync(path)) {
    throw new Error(
      `the SSG Debian 12 data stream could not be fetched (node scripts/fetch-ssg.mjs exited ${out.status ?? out.signal}):\n${(out.stderr ?? '').trim().slice(-2000)}`,
    );
  }
  return path;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A tailoring file selecting `ruleIds` and setting SSG values (ids without SSG_VALUE_PREFIX). */
export function tailoringXml(dataStream: string, ruleIds: readonly string[], values: Readonly<Record<string, string | number>>): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.clusterdeck_tailoring_audit_agreement">',
    `  <xccdf:benchmark href="${xmlEscape(dataStream)}"/>`,
    '  <xccdf:version time="2025-01-01T00:00:00">1</xccdf:version>',
    `  <xccdf:Profile id="${PROFILE_ID}">`,
    '    <xccdf:title>Clusterdeck gpu-node-baseline agreement: the SSG rules its checks reference</xccdf:title>',
    ...[...new Set(ruleIds)].sort().map((id) => `    <xccdf:select idref="${xmlEscape(id)}" selected="true"/>`),
    ...Object.entries(values).map(
      ([id, value]) => `    <xccdf:set-value idref="${xmlEscape(SSG_VALUE_PREFIX + id)}">${xmlEscape(String(value))}</xccdf:set-value>`,
    ),
    '  </xccdf:Profile>',
    '</xccdf:Tailoring>',
    '',
  ].join('\n');
}

/** rule id -> result, from an XCCDF 1.2 results document (oscap --results). */
export function parseRuleResults(xml: string): Map<string, OscapResult> {
  const results = new Map<string, OscapResult>();
  const ruleResult = /<(?:\w+:)?rule-result\b[^>]*\bidref="([^"]+)"[^>]*>([\s\S]*?)<\/(?:\w+:)?rule-result>/g;
  for (const match of xml.matchAll(ruleResult)) {
    const result = /<(?:\w+:)?result>\s*([a-z]+)\s*<\/(?:\w+:)?result>/.exec(match[2]!)?.[1];
    if (!result || !(OSCAP_RESULTS as readonly string[]).includes(result))
      throw new Error(`rule-result ${match[1]} has no known result: ${match[2]!.slice(0, 200)}`);
    results.set(match[1]!, result as OscapResult);
  }
  return results;
}

export interface OscapEvaluation {
  results: Map<string, OscapResult>;
  resultsPath: string;
  exitCode: number | null;
  stderr: string;
}

/**
 * `oscap xccdf eval` of `ruleIds` inside the namespaces of process `pid` (a lab host's sshd).
 * Exit 0 (all passed) and 2 (some failed) are evaluations; anything else throws with oscap's words.
 */
export async function oscapEvalInNamespaces(options: {
  pid: number;
  dataStream: string;
  ruleIds: readonly string[];
  values: Readonly<Record<string, string | number>>;
  /** A folder here (visible inside the host: its mount namespace copies ours) for the tailoring and results files. */
  workDir: string;
  label: string;
}): Promise<OscapEvaluation> {
  mkdirSync(options.workDir, { recursive: true });
  const tailoringPath = join(options.workDir, `tailoring-${options.label}.xml`);
  const resultsPath = join(options.workDir, `results-${options.label}.xml`);
  writeFileSync(tailoringPath, tailoringXml(options.dataStream, options.ruleIds, options.values));
  const argv = [
    '--target',
    String(options.pid),
    '--mount',
    '--uts',
    '--pid',
    '--net',
    '--',
    OSCAP,
    'xccdf',
    'eval',
    '--tailoring-file',
    tailoringPath,
    '--profile',
    PROFILE_ID,
    '--results',
    resultsPath,
    options.dataStream,
  ];
  const out = await run('/usr/bin/nsenter', argv, { allowFailure: true, timeoutMs: 300_000, env: { ...process.env, LC_ALL: 'C' } });
  if (out.code !== 0 && out.code !== 2) {
    throw new Error(
      `oscap xccdf eval on ${options.label} exited ${out.code ?? out.signal}${out.timedOut ? ' (timed out)' : ''}:\n${out.stderr.slice(-3000)}\n${out.stdout.slice(-1500)}`,
    );
  }
  if (!existsSync(resultsPath)) throw new Error(`oscap xccdf eval on ${options.label} wrote no results file:\n${out.stderr.slice(-3000)}`);
  return { results: parseRuleResults(readFileSync(resultsPath, 'utf8')), resultsPath, exitCode: out.code, stderr: out.stderr };
}
