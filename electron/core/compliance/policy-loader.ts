/**
 * Loads a policy file (YAML) into a Policy. Never throws: every problem is a PolicyError with the
 * file, line and field; a bad check is reported and skipped, the others load. A broken header
 * (id, title, version, checks list...) gives no policy at all. Parameters are resolved here: a
 * "$name" operand inside a rule takes the parameter (the user's override first).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { APP_ROOT } from '../app-root';
import {
  CheckHeadSchema,
  issueMessage,
  parseRuleTree,
  POLICY_LIMITS,
  PolicyHeadSchema,
  resolveParameters,
  ruleLeaves,
  toApplicability,
  toReferences,
  type SchemaIssue,
} from './policy-schema';
import type { Check, CustomCommand, Policy, PolicyError } from './types';

export interface ParsePolicyOptions {
  /** A policy shipped in policies/ (may use only built-in command ids). */
  builtIn?: boolean;
  /** The user's values for the policy's parameters (a name the policy does not declare is an error). */
  parameters?: Readonly<Record<string, string | number | boolean>>;
}

export interface PolicyLoad {
  policy: Policy | null;
  errors: PolicyError[];
}

type YamlPath = readonly (string | number)[];

function lineOf(doc: Document, counter: LineCounter, path: YamlPath): number | null {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

/** The line of an unknown key itself (the map's line would point at the wrong place). */
function keyLine(doc: Document, counter: LineCounter, path: YamlPath, key: string): number | null {
  const map = doc.getIn(path, true);
  if (isMap(map)) {
    const pair = map.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
    const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return lineOf(doc, counter, path);
}

export function fieldText(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${part}`)).join('');
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Parses a policy's text. `file` names it in errors and in the policy's source. */
export function parsePolicy(file: string, text: string, options: ParsePolicyOptions = {}): PolicyLoad {
  const errors: PolicyError[] = [];
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const first = doc.errors[0]!;
    return {
      policy: null,
      errors: [{ file, line: counter.linePos(first.pos[0]).line, field: null, message: `not valid YAML: ${first.message.split('\n')[0]}` }],
    };
  }
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return { policy: null, errors: [{ file, line: null, field: null, message: (error as Error).message.split('\n')[0]! }] };
  }
  const report = (issue: SchemaIssue, label: string | null, unknownKey?: string) => {
    const line = unknownKey ? keyLine(doc, counter, issue.path, unknownKey) : lineOf(doc, counter, issue.path);
    errors.push({ file, line, field: fieldText(issue.path) || null, message: label ? `${label}: ${issue.message}` : issue.message });
  };
  if (top === null || typeof top !== 'object' || Array.isArray(top)) {
    report({ path: [], message: 'a policy is a map with id, title, version, description and checks' }, null);
    return { policy: null, errors };
  }

  const head = PolicyHeadSchema.safeParse(top);
  if (!head.success) {
    for (const issue of head.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) report({ path: [...path, key], message: 'unknown field' }, 'policy', key);
      else report({ path, message: issueMessage(issue) }, 'policy');
    }
    return { policy: null, errors };
  }
  const header = head.data;

  const parameters: Record<string, string | number | boolean> = { ...(header.parameters ?? {}) };
  for (const [name, value] of Object.entries(options.parameters ?? {})) {
    if (!Object.hasOwn(parameters, name))
      errors.push({ file, line: null, field: `parameters.${name}`, message: `no parameter "${name}" in this policy; the override is ignored` });
    else parameters[name] = value;
  }

  const commands: CustomCommand[] = (header.commands ?? []).map((c) => ({
    id: c.id,
    description: c.description,
    program: c.program,
    args: c.args,
    sudo: c.sudo ?? false,
    timeoutMs: c.timeout_s === undefined ? null : c.timeout_s * 1000,
  }));
  const commandIds = new Set<string>();
  commands.forEach((command, i) => {
    if (commandIds.has(command.id)) report({ path: ['commands', i, 'id'], message: `duplicate command id "${command.id}"` }, null);
    commandIds.add(command.id);
  });
  if (options.builtIn && commands.length) report({ path: ['commands'], message: 'a built-in policy may use only built-in commands' }, null);

  const checks: Check[] = [];
  const seen = new Map<string, number>();
  header.checks.forEach((raw, index) => {
    const base = ['checks', index];
    const id = (raw as { id?: unknown } | null)?.id;
    const label = typeof id === 'string' && id.length <= POLICY_LIMITS.idChars ? `check "${id}"` : `checks[${index}]`;
    const line = lineOf(doc, counter, base);
    const before = errors.length;
    const parsed = CheckHeadSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...base, ...(issue.path as (string | number)[])];
        if (issue.code === 'unrecognized_keys') for (const key of issue.keys) report({ path: [...path, key], message: 'unknown field' }, label, key);
        else report({ path, message: issueMessage(issue) }, label);
      }
      return;
    }
    const issues: SchemaIssue[] = [];
    const resolved = resolveParameters(parsed.data.rule, parameters, [...base, 'rule'], issues);
    const tree = issues.length ? { rule: null, issues: [] } : parseRuleTree(resolved, [...base, 'rule']);
    for (const issue of [...issues, ...tree.issues]) report(issue, label);
    for (const leaf of ruleLeaves(tree.rule)) {
      if (!('command' in leaf)) continue;
      const commandId = leaf.command.id;
      if (commandId.startsWith('custom.') && !commandIds.has(commandId)) {
        report({ path: [...base, 'rule'], message: `command "${commandId}" is not declared in the policy's commands` }, label);
      }
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) report({ path: [...base, 'id'], message: `duplicate check id (first at line ${first}); this one is skipped` }, label);
    if (errors.length > before) return;
    seen.set(parsed.data.id, line ?? 0);
    const c = parsed.data;
    checks.push({
      id: c.id,
      title: c.title,
      description: c.description,
      rationale: c.rationale,
      remediation: c.remediation,
      severity: c.severity,
      references: toReferences(c.references),
      applies: toApplicability(c.applies),
      rule: tree.rule,
      note: c.note ?? null,
      source: { file, line },
    });
  });

  const bounded =
    errors.length > POLICY_LIMITS.errors
      ? [...errors.slice(0, POLICY_LIMITS.errors), { file, line: null, field: null, message: `${errors.length - POLICY_LIMITS.errors} more errors` }]
      : errors;
  const policy: Policy = {
    id: header.id,
    title: header.title,
    version: header.version,
    description: header.description,
    applies: toApplicability(header.applies),
    parameters,
    checks,
    sha256: sha256Hex(text),
    builtIn: options.builtIn ?? false,
    source: file,
    ...(commands.length ? { commands } : {}),
  };
  return { policy, errors: bounded };
}

/** Reads and parses a policy file (bounded in size). */
export function loadPolicy(file: string, options: ParsePolicyOptions = {}): PolicyLoad {
  try {
    const size = statSync(file).size;
    if (size > POLICY_LIMITS.fileBytes) {
      return { policy: null, errors: [{ file, line: null, field: null, message: `the file is ${size} bytes; the limit is ${POLICY_LIMITS.fileBytes}` }] };
    }
    return parsePolicy(file, readFileSync(file, 'utf8'), options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'the file does not exist' : `cannot be read: ${(error as Error).message}`;
    return { policy: null, errors: [{ file, line: null, field: null, message }] };
  }
}

/**
 * Where the shipped policies live: policies/ in the app's own folder (the checkout under tests,
 * beside dist/ after a build, inside app.asar when packaged: electron-builder.yml lists policies/**).
 */
export function builtInPoliciesDir(appRoot: string = APP_ROOT): string {
  return join(appRoot, 'policies');
}

/** Every shipped policy (policies/*.yaml, by name), each loaded as built in. */
export function builtInPolicies(dir: string = builtInPoliciesDir()): PolicyLoad[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    return [{ policy: null, errors: [{ file: dir, line: null, field: null, message: `the policies folder cannot be read: ${(error as Error).message}` }] }];
  }
  return names
    .filter((name) => /\.ya?ml$/i.test(name) && !name.startsWith('.'))
    .sort()
    .map((name) => loadPolicy(join(dir, name), { builtIn: true }));
}
