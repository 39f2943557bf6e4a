/**
 * The policy file format (policies/*.yaml and policies the user imports), validated with zod and
 * turned into types.ts's Policy and Check. YAML keys are snake_case and map mechanically to the
 * camelCase names of types.ts (mode_max -> modeMax). Every object is strict (an unknown key is an
 * error, not ignored), every string and list is bounded, every regex is checked for catastrophic
 * backtracking. A ValueTest operand written "$name" takes the policy parameter `name`
 * (resolveParameters, before validation). docs/ describes the grammar for users.
 */
import { z } from 'zod';
import { unsafeRegexReason } from '../../../shared/regex-guard';
import { secretPathReason } from './secret-paths';
import { CHECK_SEVERITIES, type Applicability, type CheckReferences, type RuleNode } from './types';

export const POLICY_LIMITS = {
  fileBytes: 2 * 1024 * 1024,
  checks: 1000,
  errors: 500,
  ruleDepth: 8,
  ruleNodes: 64,
  listItems: 64,
  parameters: 128,
  commands: 64,
  commandArgs: 32,
  regexChars: 512,
  idChars: 64,
  shortText: 300,
  longText: 8192,
  pathChars: 1024,
} as const;

export const CHECK_ID = /^[a-z0-9][a-z0-9-]{2,63}$/;
export const SSG_RULE_ID = /^xccdf_org\.ssgproject\.content_rule_[A-Za-z0-9_.-]{1,200}$/;
const PARAMETER_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
/** "$name": the whole operand names a parameter. */
export const PARAMETER_REF = /^\$([a-z_][a-z0-9_]{0,63})$/;
/** A custom command's id: always `custom.` first, so it can never shadow a built-in command. */
export const CUSTOM_COMMAND_ID = /^custom\.[a-z0-9][a-z0-9._-]{0,62}$/;

// ---- regexes -----------------------------------------------------------------------------------

// The same guard as the alert rules' and the silences' (shared/regex-guard.ts).
export { unsafeRegexReason };

/** A leading `(?ims)` sets flags (the way policies from other tools write them); JS takes them apart. */
const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/**
 * A policy regex as a RegExp: a leading `(?m)`-style group becomes flags; `anchored` wraps it to
 * match the whole value. Throws with the reason on a bad, unsafe or too long regex.
 */
export function compilePolicyRegex(source: string, anchored: boolean): RegExp {
  if (source.length === 0) throw new Error('an empty regex');
  if (source.length > POLICY_LIMITS.regexChars) throw new Error(`regex longer than ${POLICY_LIMITS.regexChars} characters`);
  const inline = INLINE_FLAGS.exec(source);
  const body = inline ? source.slice(inline[0].length) : source;
  const flags = [...new Set(inline?.[1] ?? '')].join('');
  const unsafe = unsafeRegexReason(body);
  if (unsafe) throw new Error(`regex /${source}/ refused: ${unsafe}`);
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (error) {
    throw new Error(`bad regex /${source}/: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

const Regex = (anchored: boolean) =>
  z
    .string()
    .max(POLICY_LIMITS.regexChars)
    .superRefine((source, ctx) => {
      try {
        compilePolicyRegex(source, anchored);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    });

// ---- building blocks ---------------------------------------------------------------------------

const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const AbsolutePath = z
  .string()
  .max(POLICY_LIMITS.pathChars)
  .regex(/^\/[^\0\n\r]*$/, 'an absolute path (starting with /), without line breaks');
const Scalar = z.union([z.string().max(POLICY_LIMITS.shortText), z.number(), z.boolean()]);
const List = <T extends z.ZodType>(item: T) => z.array(item).max(POLICY_LIMITS.listItems);

/** A file mode: YAML 0o640 (a number) or the octal string "0640" / "640". */
const Mode = z.union([z.number(), z.string()]).transform((raw, ctx) => {
  const value = typeof raw === 'number' ? raw : /^0?[0-7]{3,4}$/.test(raw.replace(/^0o/, '')) ? parseInt(raw.replace(/^0o/, ''), 8) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    ctx.addIssue({ code: 'custom', message: `"${String(raw)}" is not a file mode: write 0o640 or "0640"` });
    return z.NEVER;
  }
  return value;
});

/** The operators of a ValueTest (snake_case); exactly one must be set. */
const VALUE_TEST_FIELDS = {
  equals: Scalar.optional(),
  in: List(z.union([z.string().max(POLICY_LIMITS.shortText), z.number()])).optional(),
  not_in: List(z.union([z.string().max(POLICY_LIMITS.shortText), z.number()])).optional(),
  max: z.number().optional(),
  min: z.number().optional(),
  matches: Regex(true).optional(),
} as const;
const VALUE_TEST_KEYS = Object.keys(VALUE_TEST_FIELDS);

/** An object with a ValueTest: one operator (max and min together make a range). */
function withValueTest<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ ...shape, ...VALUE_TEST_FIELDS }).superRefine((value, ctx) => {
    const set = VALUE_TEST_KEYS.filter((key) => (value as Record<string, unknown>)[key] !== undefined);
    const range = set.length === 2 && set.includes('max') && set.includes('min');
    if (set.length === 0) ctx.addIssue({ code: 'custom', message: `needs one test: ${VALUE_TEST_KEYS.join(', ')}` });
    else if (set.length > 1 && !range)
      ctx.addIssue({ code: 'custom', message: `one test only (found ${set.join(', ')}); max with min is the one pair allowed` });
  });
}

// ---- rule leaves (snake_case, as written) ------------------------------------------------------

const LEAF_SCHEMAS = {
  file: z.strictObject({
    path: AbsolutePath,
    exists: z.boolean().optional(),
    type: z.enum(['file', 'dir', 'link']).optional(),
    mode_max: Mode.optional(),
    owner: Text(64).optional(),
    group: Text(64).optional(),
    uid: z.number().int().min(0).optional(),
    gid: z.number().int().min(0).optional(),
  }),
  content: z
    .strictObject({
      path: AbsolutePath.superRefine((path, ctx) => {
        const secret = secretPathReason(path);
        if (secret) ctx.addIssue({ code: 'custom', message: secret });
      }),
      sshd_includes: z.boolean().optional(),
      matches: Regex(false).optional(),
      absent: Regex(false).optional(),
      every_line: z.strictObject({ select: Regex(false), matches: Regex(false) }).optional(),
    })
    .refine((v) => v.matches !== undefined || v.absent !== undefined || v.every_line !== undefined, 'needs matches, absent or every_line'),
  sshd: withValueTest({ keyword: z.string().regex(/^[a-z][a-z0-9]{1,63}$/, 'a lower-case sshd keyword, e.g. permitrootlogin') }),
  sysctl: withValueTest({
    key: z.string().regex(/^[a-z0-9_]+(?:[./][a-zA-Z0-9_-]+){1,8}$/, 'a sysctl key, e.g. kernel.randomize_va_space'),
    live: z.boolean().optional(),
    configured: z.boolean().optional(),
  }),
  package: z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9.+-]{0,127}$/, 'a package name'), installed: z.boolean() }),
  service: z
    .strictObject({
      unit: z.string().regex(/^[A-Za-z0-9:_.@-]{1,200}\.(?:service|socket|timer|mount|target|path)$/, 'a systemd unit, e.g. auditd.service'),
      active: z.boolean().optional(),
      enabled: z.boolean().optional(),
    })
    .refine((v) => v.active !== undefined || v.enabled !== undefined, 'needs active or enabled'),
  mount: z.strictObject({ path: AbsolutePath, options_include: List(Text(64)).optional(), must_exist: z.boolean().optional() }),
  accounts: z
    .strictObject({ uid0_only: List(Text(64)).optional(), no_empty_passwords: z.literal(true).optional() })
    .refine((v) => v.uid0_only !== undefined || v.no_empty_passwords !== undefined, 'needs uid0_only or no_empty_passwords'),
  login_defs: withValueTest({ key: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'an upper-case login.defs key, e.g. PASS_MAX_DAYS') }),
  gpu: withValueTest({
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9.]{0,63}$/, 'a GPU field name, e.g. persistenceMode'),
    datacenter_only: z.boolean().optional(),
  }),
  gpu_devices: z.strictObject({ world_writable: z.literal(false) }),
  firewall: z.strictObject({ active: z.literal(true), min_rules: z.number().int().min(0).optional() }),
  time_sync: z.strictObject({ synchronized: z.literal(true) }),
  updates: z.strictObject({ security_max: z.number().int().min(0) }),
  logging: z
    .strictObject({ persistent: z.boolean().optional(), syslog: z.boolean().optional(), either: z.boolean().optional() })
    .refine((v) => v.persistent !== undefined || v.syslog !== undefined || v.either !== undefined, 'needs persistent, syslog or either'),
  fleet: z.strictObject({ same: z.enum(['driverVersion', 'cudaVersion', 'vbiosPerModel', 'inforomPerModel', 'gpuCountVsInventory']) }),
  command: z.strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,70}$/, 'a command id'),
    exit_code: z.number().int().min(0).max(255).optional(),
    matches: Regex(false).optional(),
    absent: Regex(false).optional(),
  }),
} as const;

export type LeafKind = keyof typeof LEAF_SCHEMAS;
export const LEAF_KINDS = Object.keys(LEAF_SCHEMAS) as LeafKind[];

/** snake_case -> camelCase, for keys only (values such as keyword names stay as written). */
export function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[camelKey(key)] = camelize(inner);
  return out;
}

// ---- rule trees --------------------------------------------------------------------------------

export interface SchemaIssue {
  /** The path as written in YAML, from the check (e.g. ["rule", "all", 1, "sshd", "in"]). */
  path: (string | number)[];
  message: string;
}

const BRANCHES = ['all', 'any', 'none'] as const;

/** Validates a rule tree node by node, so each error names its own place in the tree. */
export function parseRuleTree(raw: unknown, path: (string | number)[] = ['rule']): { rule: RuleNode | null; issues: SchemaIssue[] } {
  const issues: SchemaIssue[] = [];
  let nodes = 0;
  const visit = (node: unknown, at: (string | number)[], depth: number): RuleNode | null => {
    nodes += 1;
    if (nodes > POLICY_LIMITS.ruleNodes) {
      if (nodes === POLICY_LIMITS.ruleNodes + 1) issues.push({ path: at, message: `a rule has at most ${POLICY_LIMITS.ruleNodes} nodes` });
      return null;
    }
    if (depth > POLICY_LIMITS.ruleDepth) {
      issues.push({ path: at, message: `rules nest at most ${POLICY_LIMITS.ruleDepth} deep` });
      return null;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      issues.push({ path: at, message: `a rule is a map: all / any / none (a list) or one probe (${LEAF_KINDS.join(', ')})` });
      return null;
    }
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      issues.push({ path: at, message: `a rule has exactly one key (found ${keys.length ? keys.join(', ') : 'none'}); combine with all / any / none` });
      return null;
    }
    const key = keys[0]!;
    const body = (node as Record<string, unknown>)[key];
    if ((BRANCHES as readonly string[]).includes(key)) {
      if (!Array.isArray(body) || body.length === 0) {
        issues.push({ path: [...at, key], message: `"${key}" is a non-empty list of rules` });
        return null;
      }
      const children = body.map((child, i) => visit(child, [...at, key, i], depth + 1));
      if (children.some((child) => child === null)) return null;
      return { [key]: children } as unknown as RuleNode;
    }
    const schema = (LEAF_SCHEMAS as Record<string, z.ZodType>)[key];
    if (!schema) {
      issues.push({ path: [...at, key], message: `unknown rule "${key}"; one of all, any, none, ${LEAF_KINDS.join(', ')}` });
      return null;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...at, key, ...(issue.path as (string | number)[])];
        if (issue.code === 'unrecognized_keys')
          for (const unknownKey of issue.keys) issues.push({ path: [...path, unknownKey], message: `unknown field ${unknownKey}` });
        else issues.push({ path, message: issueMessage(issue) });
      }
      return null;
    }
    return { [camelKey(key)]: camelize(parsed.data) } as RuleNode;
  };
  if (raw === 'manual') return { rule: null, issues };
  const rule = visit(raw, path, 1);
  return { rule, issues };
}

/** The leaves of a rule tree, in order. */
export function ruleLeaves(rule: RuleNode | null): RuleNode[] {
  if (rule === null) return [];
  for (const branch of BRANCHES) if (branch in rule) return (rule as unknown as Record<string, RuleNode[]>)[branch]!.flatMap(ruleLeaves);
  return [rule];
}

export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'is required';
  return issue.message;
}

// ---- parameters --------------------------------------------------------------------------------

/**
 * Replaces every "$name" string under `raw` by the parameter's value; an unknown name is an issue
 * at its path (the operand stays, and fails validation or is reported once).
 */
export function resolveParameters(
  raw: unknown,
  parameters: Readonly<Record<string, string | number | boolean>>,
  path: (string | number)[],
  issues: SchemaIssue[],
): unknown {
  if (typeof raw === 'string') {
    const ref = PARAMETER_REF.exec(raw);
    if (!ref) return raw;
    if (Object.hasOwn(parameters, ref[1]!)) return parameters[ref[1]!];
    issues.push({ path, message: `unknown parameter "${raw}" (the policy's parameters: ${Object.keys(parameters).join(', ') || 'none'})` });
    return raw;
  }
  if (Array.isArray(raw)) return raw.map((item, i) => resolveParameters(item, parameters, [...path, i], issues));
  if (raw !== null && typeof raw === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) out[key] = resolveParameters(value, parameters, [...path, key], issues);
    return out;
  }
  return raw;
}

// ---- checks and policies -----------------------------------------------------------------------

const ApplicabilitySchema = z.strictObject({
  os_family: List(z.string().regex(/^[a-z0-9._-]{1,64}$/, 'an os-release ID, e.g. debian')).optional(),
  os_version: Regex(true).optional(),
  gpu: z.boolean().optional(),
  nvswitch: z.boolean().optional(),
});

export function toApplicability(raw: z.infer<typeof ApplicabilitySchema> | undefined): Applicability {
  return camelize(raw ?? {}) as Applicability;
}

const ReferencesSchema = z.strictObject({
  cis: List(z.string().regex(/^[0-9]+(?:\.[0-9]+){0,6}$/, 'a CIS section, e.g. "5.2.10"')).optional(),
  nist: List(z.string().regex(/^[A-Z]{2}-[0-9]{1,2}(?:\([0-9a-z]{1,3}\))*$/, 'a NIST SP 800-53 control, e.g. "AC-6(2)"')).optional(),
  ssg: List(z.string().regex(SSG_RULE_ID, 'an SSG rule id: xccdf_org.ssgproject.content_rule_...')).optional(),
});

export function toReferences(raw: z.infer<typeof ReferencesSchema> | undefined): CheckReferences {
  return { cis: raw?.cis ?? [], nist: raw?.nist ?? [], ssg: raw?.ssg ?? [] };
}

/** A check without its rule (the rule tree is validated by parseRuleTree for precise errors). */
export const CheckHeadSchema = z.strictObject({
  id: z.string().regex(CHECK_ID, 'a check id is 3 to 64 lower-case letters, digits and "-", e.g. gnb-ssh-001'),
  title: Text(POLICY_LIMITS.shortText),
  description: Text(POLICY_LIMITS.longText),
  rationale: Text(POLICY_LIMITS.longText),
  remediation: Text(POLICY_LIMITS.longText),
  severity: z.enum(CHECK_SEVERITIES),
  references: ReferencesSchema,
  applies: ApplicabilitySchema.optional(),
  note: Text(POLICY_LIMITS.longText).optional(),
  rule: z.unknown().refine((v) => v !== undefined, 'is required (a rule tree, or "manual")'),
});
export type CheckHead = z.infer<typeof CheckHeadSchema>;

/** A read-only command a user-imported policy declares for its `command` probes (needs approval). */
export const CustomCommandSchema = z.strictObject({
  id: z.string().regex(CUSTOM_COMMAND_ID, 'a custom command id starts with "custom.", e.g. custom.lsmod'),
  description: Text(POLICY_LIMITS.shortText),
  program: AbsolutePath.refine((p) => /^(?:\/[A-Za-z0-9._+-]+)+$/.test(p), 'an absolute program path of letters, digits and . _ + -'),
  args: z
    .array(
      z
        .string()
        .max(256)
        .regex(/^[^\0\n\r]*$/, 'no line breaks'),
    )
    .max(POLICY_LIMITS.commandArgs)
    .default([]),
  sudo: z.boolean().optional(),
  timeout_s: z.number().int().min(1).max(120).optional(),
});

export const PolicyHeadSchema = z.strictObject({
  id: z.string().regex(CHECK_ID, 'a policy id is 3 to 64 lower-case letters, digits and "-"'),
  title: Text(POLICY_LIMITS.shortText),
  version: z.string({ error: 'a string: quote it, e.g. version: "1.0"' }).min(1).max(32),
  description: Text(POLICY_LIMITS.longText),
  applies: ApplicabilitySchema.omit({ gpu: true, nvswitch: true }).optional(),
  parameters: z
    .record(z.string().regex(PARAMETER_NAME, 'a parameter name is lower-case letters, digits and _'), Scalar)
    .refine((p) => Object.keys(p).length <= POLICY_LIMITS.parameters, `at most ${POLICY_LIMITS.parameters} parameters`)
    .optional(),
  commands: z.array(CustomCommandSchema).max(POLICY_LIMITS.commands).optional(),
  checks: z
    .array(z.unknown())
    .max(POLICY_LIMITS.checks, `at most ${POLICY_LIMITS.checks} checks`)
    .nullable()
    .transform((checks) => checks ?? []),
});
