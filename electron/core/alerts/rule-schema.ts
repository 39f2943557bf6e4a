/**
 * The rule file format (rules/default.yaml and the user's rules folder), validated with zod and
 * turned into the engine's AlertRule / InhibitRule. docs/alert-rules.md describes it for users.
 *
 *   rules:
 *     - id: fs-full-critical            # unique; a user rule with a default rule's id replaces it
 *       name: Filesystem nearly full
 *       watch: { metric: fs.used_pct, select: { device: "~/(data|scratch).*" } }
 *       condition: ">= 95"              # metric rules only: OP NUMBER, OP one of > >= < <= == !=
 *       recover: 90                     # optional hysteresis: firing until the value passes 90
 *       for: 1m                         # 0s by default; durations like 30s, 2m, 1h, 1h30m
 *       keep_firing_for: 0s
 *       severity: critical              # info | warning | critical | from-signal (detector rules)
 *       labels: { category: host }
 *       message: "{{node}}: {{subject}} is {{value}}% full"
 *       runbook: ...
 *       rationale: one line
 *     - id: filesystem-full           # one alert whose severity follows the value (instead of
 *       watch: { metric: fs.used_pct }  # condition, recover and severity); recover per level
 *       levels:
 *         warning: { condition: ">= 90", recover: 88 }
 *         critical: { condition: ">= 95", recover: 92 }
 *       ...
 *     - { id: gpu-temperature-high, disabled: true }   # turns a default rule off
 *   inhibit:
 *     - { source: { rule: node-unreachable }, target: { category: "~gpu|host" }, equal: [node] }
 *
 * Selector values: a plain string matches the whole value exactly; "~REGEX" is a regular
 * expression over the whole value (anchored for you). Regexes are bounded in length and refuse
 * nested quantifiers such as (a+)+ that can backtrack for ever.
 */
import { z } from 'zod';
import { unsafeRegexReason } from '../../../shared/regex-guard';
import { AlertSeveritySchema, type AlertSeverity } from '../../../shared/model/alerts';
import { DETECTOR_IDS, type AlertRule, type CompareOp, type DetectorId, type LabelMatcher, type MetricLevel, type RuleWatch } from './types';
import { isRuleMetric, RULE_METRIC_NAMES } from './rule-metrics';
import { unknownPlaceholders, TEMPLATE_VARS } from './template';

export const RULE_LIMITS = {
  fileBytes: 1024 * 1024,
  files: 100,
  rulesPerFile: 500,
  rules: 2000,
  inhibitRules: 200,
  errors: 500,
  regexChars: 256,
  selectors: 16,
  labels: 32,
  labelNameChars: 64,
  labelValueChars: 256,
  nameChars: 200,
  messageChars: 2048,
  runbookChars: 8192,
  rationaleChars: 300,
  maxDurationMs: 7 * 24 * 3600_000,
} as const;

/** Detectors that report events (each once) rather than conditions (every tick they hold). */
export const EVENT_DETECTORS: ReadonlySet<DetectorId> = new Set<DetectorId>(['xid', 'gpu-ecc-uncorrected', 'gpu-ecc-dbe']);

/** The severity of a `severity: from-signal` alert whose signal suggests none. */
export const FROM_SIGNAL_FALLBACK: AlertSeverity = 'warning';

export const COMPARE_OPS: readonly CompareOp[] = ['>=', '<=', '==', '!=', '>', '<'];

// ---- durations ---------------------------------------------------------------------------------

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };
const DURATION = /^(?:\d{1,6}(?:ms|s|m|h|d))+$/;

/** "30s", "2m", "1h30m", "0s", "0" -> milliseconds; null if not a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!DURATION.test(trimmed)) return null;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** 90_000 -> "1m30s", 3_600_000 -> "1h", 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    const amount = Math.floor(rest / size);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * size;
  }
  return out;
}

const DurationSchema = z.unknown().transform((raw, ctx) => {
  const ms = raw === 0 ? 0 : typeof raw === 'string' ? parseDuration(raw) : null;
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${String(raw)}" is not a duration: write a number and a unit, e.g. 30s, 2m, 1h, 1h30m` });
    return z.NEVER;
  }
  if (ms > RULE_LIMITS.maxDurationMs) {
    ctx.addIssue({ code: 'custom', message: `"${String(raw)}" is longer than the limit of ${formatDuration(RULE_LIMITS.maxDurationMs)}` });
    return z.NEVER;
  }
  return ms;
});

// ---- selectors ---------------------------------------------------------------------------------

export { unsafeRegexReason };

/** "value" -> equality; "~regex" -> the regex over the whole value. Returns an error message instead on a bad regex. */
export function compileMatcher(text: string): LabelMatcher | string {
  if (!text.startsWith('~')) return { value: text, regex: null };
  const source = text.slice(1);
  if (source.length === 0) return 'an empty regex after "~"';
  if (source.length > RULE_LIMITS.regexChars) return `regex longer than ${RULE_LIMITS.regexChars} characters`;
  const unsafe = unsafeRegexReason(source);
  if (unsafe) return `regex /${source}/ refused: ${unsafe}`;
  try {
    return { value: text, regex: new RegExp(`^(?:${source})$`) };
  } catch (error) {
    return `bad regex /${source}/: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
}

const LabelName = z
  .string()
  .max(RULE_LIMITS.labelNameChars)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label name is letters, digits and _ (not starting with a digit)');

const MatcherSchema = z.unknown().transform((raw, ctx): LabelMatcher => {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    ctx.addIssue({ code: 'custom', message: 'a selector is a string: "value" for equality or "~regex"' });
    return z.NEVER;
  }
  if (typeof raw === 'string' && raw.length > RULE_LIMITS.labelValueChars + 1) {
    ctx.addIssue({ code: 'custom', message: `a selector is at most ${RULE_LIMITS.labelValueChars} characters` });
    return z.NEVER;
  }
  const compiled = compileMatcher(String(raw));
  if (typeof compiled === 'string') {
    ctx.addIssue({ code: 'custom', message: compiled });
    return z.NEVER;
  }
  return compiled;
});

const SelectorsSchema = z
  .record(LabelName, MatcherSchema)
  .refine((record) => Object.keys(record).length <= RULE_LIMITS.selectors, `at most ${RULE_LIMITS.selectors} selectors`);

// ---- rules -------------------------------------------------------------------------------------

export const RuleIdSchema = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'an id is lower-case letters, digits, ".", "_" and "-", starting with a letter or digit');

const ConditionSchema = z.unknown().transform((raw, ctx) => {
  const match = typeof raw === 'string' ? /^\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i.exec(raw) : null;
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${String(raw)}" is not a condition: write an operator (> >= < <= == !=) and a number, e.g. ">= 95"` });
    return z.NEVER;
  }
  return { op: match[1] as CompareOp, threshold: Number(match[2]) };
});

/** Why `recover` does not fit `condition` (it must be on the side the value leaves by), or null. */
function recoverProblem(condition: { op: CompareOp; threshold: number }, recover: number): string | null {
  const { op, threshold } = condition;
  const ok = op === '>' || op === '>=' ? recover <= threshold : op === '<' || op === '<=' ? recover >= threshold : false;
  if (ok) return null;
  return op === '==' || op === '!='
    ? `a condition with ${op} has no recovery threshold`
    : `with "${op} ${threshold}" recover must be ${op.startsWith('>') ? 'at most' : 'at least'} ${threshold}`;
}

const LevelSchema = z.object({ condition: ConditionSchema, recover: z.number().finite().optional() }).strict();

/** `levels:` of a metric rule: a condition (and recover) per severity, at least one. */
const LevelsSchema = z
  .object({ info: LevelSchema.optional(), warning: LevelSchema.optional(), critical: LevelSchema.optional() })
  .strict()
  .superRefine((levels, ctx) => {
    const given = AlertSeveritySchema.options.filter((severity) => levels[severity] !== undefined);
    if (given.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'levels needs at least one of info, warning, critical, e.g. warning: { condition: ">= 90" }' });
      return;
    }
    for (const severity of given) {
      const level = levels[severity]!;
      const problem = level.recover === undefined ? null : recoverProblem(level.condition, level.recover);
      if (problem) ctx.addIssue({ code: 'custom', path: [severity, 'recover'], message: problem });
    }
    if (given.length < 2) return;
    // Several levels must rise the same way: each higher severity further past the previous one's threshold.
    const rising = levels[given[0]!]!.condition.op.startsWith('>');
    for (const severity of given) {
      const { op } = levels[severity]!.condition;
      if (op === '==' || op === '!=' || op.startsWith('>') !== rising) {
        ctx.addIssue({
          code: 'custom',
          path: [severity, 'condition'],
          message: `with several levels every condition uses ${rising ? '> or >=' : '< or <='}, like the ${given[0]} level`,
        });
        return;
      }
    }
    for (let i = 1; i < given.length; i += 1) {
      const lower = levels[given[i - 1]!]!.condition.threshold;
      const upper = levels[given[i]!]!.condition.threshold;
      if (rising ? upper <= lower : upper >= lower) {
        ctx.addIssue({
          code: 'custom',
          path: [given[i]!, 'condition'],
          message: `the ${given[i]} threshold must be ${rising ? 'above' : 'below'} the ${given[i - 1]} threshold (${lower})`,
        });
      }
    }
  });

const WatchSchema = z
  .object({
    metric: z.string().max(128).optional(),
    detector: z.string().max(64).optional(),
    select: SelectorsSchema.optional(),
  })
  .strict()
  .superRefine((watch, ctx) => {
    if ((watch.metric === undefined) === (watch.detector === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'watch names exactly one of metric or detector' });
      return;
    }
    if (watch.metric !== undefined && !isRuleMetric(watch.metric)) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: `unknown metric "${watch.metric}"; known metrics: ${RULE_METRIC_NAMES.join(', ')}` });
    }
    if (watch.detector !== undefined && !(DETECTOR_IDS as readonly string[]).includes(watch.detector)) {
      ctx.addIssue({ code: 'custom', path: ['detector'], message: `unknown detector "${watch.detector}"; known detectors: ${DETECTOR_IDS.join(', ')}` });
    }
  });

const SingleLine = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => !/[\r\n]/.test(text.trim()), 'one line');

const MessageSchema = z
  .string()
  .min(1)
  .max(RULE_LIMITS.messageChars)
  .superRefine((template, ctx) => {
    const unknown = unknownPlaceholders(template);
    if (unknown.length) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')}; known: ${TEMPLATE_VARS.map((name) => `{{${name}}}`).join(' ')} {{labels.NAME}}`,
      });
    }
  });

/** A rule entry as written in YAML. */
export const RuleEntrySchema = z
  .object({
    id: RuleIdSchema,
    name: z.string().trim().min(1).max(RULE_LIMITS.nameChars),
    watch: WatchSchema,
    condition: ConditionSchema.optional(),
    recover: z.number().finite().optional(),
    levels: LevelsSchema.optional(),
    for: DurationSchema.optional(),
    keep_firing_for: DurationSchema.optional(),
    severity: z.enum([...AlertSeveritySchema.options, 'from-signal']).optional(),
    labels: z
      .record(LabelName, z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(z.string().max(RULE_LIMITS.labelValueChars)))
      .refine((labels) => Object.keys(labels).length <= RULE_LIMITS.labels, `at most ${RULE_LIMITS.labels} labels`)
      .optional(),
    message: MessageSchema,
    runbook: z.string().max(RULE_LIMITS.runbookChars).optional(),
    rationale: SingleLine(RULE_LIMITS.rationaleChars).optional(),
    disabled: z.literal(false).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const isMetric = rule.watch.metric !== undefined;
    if (rule.levels !== undefined) {
      if (!isMetric) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'levels are for metric rules only' });
      for (const field of ['condition', 'recover', 'severity'] as const) {
        if (rule[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: `a rule with levels has no ${field} of its own: each level says its own` });
        }
      }
      return;
    }
    if (rule.severity === undefined) {
      ctx.addIssue({ code: 'custom', path: ['severity'], message: isMetric ? 'is required (or levels: with a condition per severity)' : 'is required' });
    }
    if (isMetric && rule.condition === undefined) {
      ctx.addIssue({ code: 'custom', path: ['condition'], message: 'a metric rule needs a condition, e.g. condition: ">= 95"' });
    }
    if (!isMetric && rule.condition !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['condition'], message: 'a detector rule has no condition: the detector decides' });
    }
    if (!isMetric && rule.recover !== undefined) ctx.addIssue({ code: 'custom', path: ['recover'], message: 'recover is for metric rules only' });
    if (isMetric && rule.severity === 'from-signal') {
      ctx.addIssue({
        code: 'custom',
        path: ['severity'],
        message: 'severity: from-signal is for detector rules only; a metric rule says info, warning or critical',
      });
    }
    if (rule.recover !== undefined && rule.condition !== undefined) {
      const problem = recoverProblem(rule.condition, rule.recover);
      if (problem) ctx.addIssue({ code: 'custom', path: ['recover'], message: problem });
    }
    const detector = rule.watch.detector as DetectorId | undefined;
    if (detector && EVENT_DETECTORS.has(detector) && !rule.keep_firing_for) {
      ctx.addIssue({
        code: 'custom',
        path: ['keep_firing_for'],
        message: `detector ${detector} reports events, so the rule needs keep_firing_for (how long its alert stays after the last event), e.g. 1h`,
      });
    }
  });
export type RuleEntry = z.output<typeof RuleEntrySchema>;

/** `- { id: X, disabled: true }`: turns a default rule off (other fields are ignored). */
export const DisabledEntrySchema = z.object({ id: RuleIdSchema, disabled: z.literal(true) }).loose();

export const InhibitEntrySchema = z
  .object({
    source: SelectorsSchema.refine((s) => Object.keys(s).length > 0, 'source needs at least one matcher'),
    target: SelectorsSchema.refine((s) => Object.keys(s).length > 0, 'target needs at least one matcher'),
    equal: z.array(LabelName).max(RULE_LIMITS.selectors).default([]),
  })
  .strict();

/** The top level of a rules file. Entries are validated one by one so a bad one spoils only itself. */
export const RuleFileSchema = z
  .object({
    rules: z.array(z.unknown()).optional(),
    inhibit: z.array(z.unknown()).optional(),
  })
  .strict();

/** A validated entry as the engine's rule (the loader adds the source). */
export function toAlertRule(entry: RuleEntry, source: AlertRule['source']): AlertRule {
  const selectors = entry.watch.select ?? {};
  const levels: MetricLevel[] = entry.levels
    ? AlertSeveritySchema.options.flatMap((severity) => {
        const level = entry.levels![severity];
        return level ? [{ severity, op: level.condition.op, threshold: level.condition.threshold, recover: level.recover ?? null }] : [];
      })
    : [];
  const lowest = levels[0];
  const watch: RuleWatch =
    entry.watch.metric === undefined
      ? { kind: 'detector', detector: entry.watch.detector as DetectorId, selectors }
      : lowest
        ? { kind: 'metric', metric: entry.watch.metric, selectors, op: lowest.op, threshold: lowest.threshold, recover: lowest.recover, levels }
        : {
            kind: 'metric',
            metric: entry.watch.metric,
            selectors,
            op: entry.condition!.op,
            threshold: entry.condition!.threshold,
            recover: entry.recover ?? null,
          };
  return {
    id: entry.id,
    name: entry.name,
    watch,
    forMs: entry.for ?? 0,
    keepFiringForMs: entry.keep_firing_for ?? 0,
    severity: levels.length ? levels[levels.length - 1]!.severity : entry.severity!,
    labels: entry.labels ?? {},
    message: entry.message,
    runbook: entry.runbook?.trim() ?? '',
    rationale: entry.rationale?.trim() ?? '',
    source,
  };
}
