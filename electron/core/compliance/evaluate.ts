/**
 * Verdicts, pure: a check's rule tree over a node's facts gives pass / fail / error /
 * not-applicable / manual and one line an auditor reads (verdict.ts, with how all / any / none
 * combine). A fact that could not be read makes its leaf `error` with the reason ("needs
 * privilege"), never a silent pass or fail. Fleet leaves compare a value across every audited
 * node (FleetContext, fleet-verdicts.ts).
 */
import { holdsPasswordHashes } from './evidence';
import { compilePolicyRegex } from './policy-schema';
import type { Applicability, Check, Probe, RuleLeaf, RuleNode, ValueTest } from './types';
import type { FactOf, GpuFact, GpusFact, ProbeFact } from './probes/facts';
import { evaluateFleet } from './fleet-verdicts';
import { combine, error, fail, notApplicable, pass, unknown, type Verdict } from './verdict';

export { combine, type Verdict } from './verdict';

/** /etc/os-release as KEY -> value (quotes removed). */
export type OsRelease = Readonly<Record<string, string>>;

/** Every audited node's GPUs (null: not read), and the inventory's GPU count per node where known. */
export interface FleetContext {
  gpus: ReadonlyMap<string, GpusFact | null>;
  inventoryGpuCount?: (nodeId: string) => number | null;
}

export interface EvalContext {
  nodeId: string;
  /** The fact of a probe (undefined: it was not run). */
  fact(probe: Probe): ProbeFact | undefined;
  fleet: FleetContext;
}

// ---- os-release and applicability -------------------------------------------------------------

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').slice(0, 200)) {
    const match = /^\s*([A-Z0-9_]{1,64})=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    out[match[1]!] = value.slice(0, 256);
  }
  return out;
}

/** Whether checks of `applies` run on a node: pass = applies, not-applicable, or error (cannot tell). */
export function applicability(applies: Applicability, os: OsRelease | null, osProblem: string | null, gpus: GpusFact | null | undefined): Verdict {
  if (applies.osFamily?.length || applies.osVersion !== undefined) {
    if (os === null) return error(`cannot tell the OS: /etc/os-release ${osProblem ?? 'was not read'}`);
    const families = [os.ID ?? '', ...(os.ID_LIKE ?? '').split(/\s+/)].filter(Boolean);
    if (applies.osFamily?.length && !applies.osFamily.some((family) => families.includes(family))) {
      return notApplicable(`for ${applies.osFamily.join(', ')}; this node is ${families.join(' ') || 'unknown'}`);
    }
    if (applies.osVersion !== undefined && !compilePolicyRegex(applies.osVersion, true).test(os.VERSION_ID ?? '')) {
      return notApplicable(`for version ${applies.osVersion}; this node has ${os.VERSION_ID ?? 'no VERSION_ID'}`);
    }
  }
  if (applies.gpu || applies.nvswitch) {
    if (!gpus) return error('cannot tell whether the node has GPUs: nvidia-smi was not read');
    if (gpus.present === false) return notApplicable('no NVIDIA GPU (nvidia-smi is not installed)');
    if (gpus.present === null) return error(`cannot tell whether the node has GPUs: ${gpus.problem ?? 'nvidia-smi failed'}`);
    if (gpus.gpus.length === 0) return notApplicable('no NVIDIA GPU on this node');
    if (applies.nvswitch) {
      if (gpus.nvswitch === null) return error('cannot tell whether the node has NVSwitches');
      if (!gpus.nvswitch) return notApplicable('no NVSwitch on this node');
    }
  }
  return pass('applies');
}

// ---- value tests -------------------------------------------------------------------------------

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1', 'enabled']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0', 'disabled']);

function sameValue(value: string, operand: string | number | boolean): boolean {
  if (typeof operand === 'number') return value.trim() !== '' && Number(value) === operand;
  if (typeof operand === 'boolean') return (operand ? TRUE_WORDS : FALSE_WORDS).has(value.trim().toLowerCase());
  return value === operand;
}

function describeTest(test: ValueTest): string {
  if (test.equals !== undefined) return `= ${String(test.equals)}`;
  if (test.in) return `one of ${test.in.join(', ')}`;
  if (test.notIn) return `none of ${test.notIn.join(', ')}`;
  if (test.matches !== undefined) return `matching /${test.matches}/`;
  if (test.max !== undefined && test.min !== undefined) return `from ${test.min} to ${test.max}`;
  if (test.max !== undefined) return `<= ${test.max}`;
  return `>= ${String(test.min)}`;
}

/**
 * Whether `value` satisfies the test. A comma-separated value (sshd's ciphers, macs...) is taken
 * item by item for `in` (every item allowed) and `notIn` (no item forbidden).
 */
export function testValue(value: string, test: ValueTest): { ok: boolean } | { error: string } {
  if (test.equals !== undefined) return { ok: sameValue(value, test.equals) };
  if (test.in || test.notIn) {
    const items = value.includes(',') ? value.split(',').map((item) => item.trim()) : [value];
    if (test.in) return { ok: items.every((item) => test.in!.some((operand) => sameValue(item, operand))) };
    return { ok: !items.some((item) => test.notIn!.some((operand) => sameValue(item, operand))) };
  }
  if (test.matches !== undefined) return { ok: compilePolicyRegex(test.matches, true).test(value) };
  const number = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(number)) return { error: `"${value}" is not a number` };
  return { ok: (test.max === undefined || number <= test.max) && (test.min === undefined || number >= test.min) };
}

function valueVerdict(what: string, value: string, test: ValueTest): Verdict {
  const tested = testValue(value, test);
  if ('error' in tested) return error(`${what} is ${tested.error}`);
  return tested.ok ? pass(`${what} is ${value}`) : fail(`${what} is ${value}, required ${describeTest(test)}`);
}

// ---- leaves ------------------------------------------------------------------------------------

/** The probe a leaf reads (fleet leaves read every node's GPUs). */
export function leafProbe(leaf: RuleLeaf): Probe {
  if ('file' in leaf) return { kind: 'file', path: leaf.file.path };
  if ('content' in leaf) return { kind: 'file-content', path: leaf.content.path, ...(leaf.content.sshdIncludes ? { sshdIncludes: true } : {}) };
  if ('sshd' in leaf) return { kind: 'sshd' };
  if ('sysctl' in leaf) return { kind: 'sysctl', key: leaf.sysctl.key };
  if ('package' in leaf) return { kind: 'package', name: leaf.package.name };
  if ('service' in leaf) return { kind: 'service', unit: leaf.service.unit };
  if ('mount' in leaf) return { kind: 'mount', path: leaf.mount.path };
  if ('accounts' in leaf) return { kind: 'accounts' };
  if ('loginDefs' in leaf) return { kind: 'login-defs' };
  if ('gpu' in leaf || 'fleet' in leaf) return { kind: 'gpus' };
  if ('gpuDevices' in leaf) return { kind: 'gpu-devices' };
  if ('firewall' in leaf) return { kind: 'firewall' };
  if ('timeSync' in leaf) return { kind: 'time-sync' };
  if ('updates' in leaf) return { kind: 'pending-updates' };
  if ('logging' in leaf) return { kind: 'logging' };
  return { kind: 'command', id: leaf.command.id };
}

/** Every probe a rule tree reads (with repeats; the runner dedupes by probeKey). */
export function ruleProbes(rule: RuleNode | null): Probe[] {
  if (rule === null) return [];
  if ('all' in rule) return rule.all.flatMap(ruleProbes);
  if ('any' in rule) return rule.any.flatMap(ruleProbes);
  if ('none' in rule) return rule.none.flatMap(ruleProbes);
  return [leafProbe(rule)];
}

function evaluateFile(rule: Extract<RuleLeaf, { file: unknown }>['file'], fact: FactOf<'file'>): Verdict {
  if (fact.exists === null) return unknown(fact, rule.path);
  if (rule.exists === false) return fact.exists ? fail(`${rule.path} exists`) : pass(`${rule.path} does not exist`);
  if (!fact.exists) return fail(`${rule.path} does not exist`);
  const found: string[] = [];
  const wrong: string[] = [];
  if (rule.type !== undefined) (fact.type === rule.type ? found : wrong).push(`type ${fact.type}${fact.type === rule.type ? '' : ` (want ${rule.type})`}`);
  if (rule.modeMax !== undefined) {
    if (fact.mode === null) return unknown(fact, `${rule.path} mode`);
    const text = `mode ${fact.mode.toString(8).padStart(4, '0')}`;
    if ((fact.mode & ~rule.modeMax) === 0) found.push(text);
    else wrong.push(`${text} (at most ${rule.modeMax.toString(8).padStart(4, '0')})`);
  }
  const ids: Array<[string, string | number | undefined, string | number | null]> = [
    ['owner', rule.owner, fact.owner ?? (fact.uid === null ? null : `uid ${fact.uid}`)],
    ['group', rule.group, fact.group ?? (fact.gid === null ? null : `gid ${fact.gid}`)],
    ['uid', rule.uid, fact.uid],
    ['gid', rule.gid, fact.gid],
  ];
  for (const [name, want, have] of ids) {
    if (want === undefined) continue;
    if (have === null) return unknown(fact, `${rule.path} ${name}`);
    (have === want ? found : wrong).push(`${name} ${have}${have === want ? '' : ` (want ${want})`}`);
  }
  if (wrong.length) return fail(`${rule.path}: ${wrong.join(', ')}`);
  return pass(`${rule.path}: ${found.length ? found.join(', ') : 'exists'}`);
}

function evaluateContent(rule: Extract<RuleLeaf, { content: unknown }>['content'], fact: FactOf<'file-content'>): Verdict {
  if (fact.exists === false) {
    if (rule.matches !== undefined || rule.everyLine !== undefined) return fail(`${rule.path} does not exist`);
    return pass(`${rule.path} does not exist`);
  }
  if (fact.text === null) return unknown(fact, rule.path);
  const text = fact.text;
  const where = fact.files.length > 1 ? `${rule.path} (+${fact.files.length - 1} included)` : rule.path;
  // A file that may hold password hashes is named by line, never quoted: details go into reports.
  const secret = holdsPasswordHashes(rule.path);
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  if (rule.absent !== undefined) {
    const found = compilePolicyRegex(rule.absent, false).exec(text);
    if (found) return fail(secret ? `${where} has a match on line ${lineAt(found.index)}` : `${where} has "${found[0].trim().slice(0, 120)}"`);
  }
  if (rule.matches !== undefined) {
    const found = compilePolicyRegex(rule.matches, false).exec(text);
    if (!found) return fail(`${where} has no line matching /${rule.matches}/`);
  }
  if (rule.everyLine !== undefined) {
    const select = compilePolicyRegex(rule.everyLine.select, false);
    const want = compilePolicyRegex(rule.everyLine.matches, false);
    const all = text.split('\n');
    const lines = all.filter((line) => select.test(line));
    if (lines.length === 0) return fail(`${where} has no line matching /${rule.everyLine.select}/`);
    const badAt = all.findIndex((line) => select.test(line) && !want.test(line));
    if (badAt >= 0) {
      const quoted = secret ? `line ${badAt + 1}` : `"${all[badAt]!.trim().slice(0, 120)}"`;
      return fail(`${where}: ${quoted} does not match /${rule.everyLine.matches}/`);
    }
    return pass(`${where}: ${lines.length} line${lines.length > 1 ? 's' : ''} as required`);
  }
  return pass(`${where} as required`);
}

function evaluateSysctl(rule: Extract<RuleLeaf, { sysctl: unknown }>['sysctl'], fact: FactOf<'sysctl'>): Verdict {
  const parts: Verdict[] = [];
  if (rule.live !== false) {
    parts.push(
      fact.live === null ? error(`${rule.key} live: ${fact.liveProblem ?? fact.problem ?? 'could not be read'}`) : valueVerdict(`${rule.key}`, fact.live, rule),
    );
  }
  if (rule.configured === true) {
    if (fact.configured === null) {
      parts.push(
        fact.configuredProblem ? error(`${rule.key} configured: ${fact.configuredProblem}`) : fail(`${rule.key} is set in no sysctl configuration file`),
      );
    } else {
      const verdict = valueVerdict(`${rule.key} in ${fact.configuredIn ?? 'the configuration'}`, fact.configured, rule);
      parts.push(verdict);
    }
  }
  return combine('all', parts);
}

function evaluateGpu(rule: Extract<RuleLeaf, { gpu: unknown }>['gpu'], fact: GpusFact): Verdict {
  if (fact.present === false) return notApplicable('no NVIDIA GPU (nvidia-smi is not installed)');
  if (fact.present === null) return unknown(fact, 'nvidia-smi');
  const gpus = rule.datacenterOnly ? fact.gpus.filter((gpu) => gpu.datacenter) : fact.gpus;
  if (gpus.length === 0) return notApplicable(rule.datacenterOnly ? 'no datacenter GPU on this node' : 'no NVIDIA GPU on this node');
  // nvidia-smi says N/A (or leaves the element out) for what a GPU does not have: row remapping
  // before Ampere, page retirement after it, MIG outside the datacenter parts. Such a GPU is not
  // asked; a node where no GPU reports the field has nothing to check.
  const reporting = gpus.flatMap((gpu) => {
    const value = fieldValue(gpu, rule.field);
    return value === null ? [] : [{ gpu, value }];
  });
  if (reporting.length === 0)
    return notApplicable(`no GPU reports ${rule.field} (N/A on ${gpus.map((gpu) => gpu.productName ?? `GPU ${gpu.index}`).join(', ')})`);
  const verdicts = reporting.map(({ gpu, value }) => valueVerdict(`GPU ${gpu.index} ${rule.field}`, value, rule));
  const combined = combine('all', verdicts);
  const skipped = gpus.length - reporting.length;
  const note = skipped ? ` (${skipped} without it)` : '';
  return combined.status === 'pass' ? pass(`${reporting.length} GPU${reporting.length > 1 ? 's' : ''}: ${rule.field} ${describeTest(rule)}${note}`) : combined;
}

/** A field of a GPU by name or dotted path (retiredPages.pending), as text; null when absent. */
function fieldValue(gpu: GpuFact, field: string): string | null {
  let value: unknown = gpu;
  for (const part of field.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return null;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === null || value === undefined || typeof value === 'object') return null;
  return String(value);
}

/** One leaf against its fact. */
export function evaluateLeaf(leaf: RuleLeaf, ctx: EvalContext): Verdict {
  if ('fleet' in leaf) return evaluateFleet(leaf.fleet.same, ctx);
  const fact = ctx.fact(leafProbe(leaf));
  if (fact === undefined) return error(`${leafProbe(leaf).kind} probe was not run`);
  if ('file' in leaf && fact.kind === 'file') return evaluateFile(leaf.file, fact);
  if ('content' in leaf && fact.kind === 'file-content') return evaluateContent(leaf.content, fact);
  if ('sshd' in leaf && fact.kind === 'sshd') {
    const value = fact.options[leaf.sshd.keyword];
    if (value === undefined) {
      if (fact.source === null) return unknown(fact, 'sshd configuration');
      return fail(`sshd ${leaf.sshd.keyword} is not set (${fact.source})`);
    }
    return valueVerdict(`sshd ${leaf.sshd.keyword}`, value, leaf.sshd);
  }
  if ('sysctl' in leaf && fact.kind === 'sysctl') return evaluateSysctl(leaf.sysctl, fact);
  if ('package' in leaf && fact.kind === 'package') {
    if (fact.installed === null) return unknown(fact, `package ${leaf.package.name}`);
    const text = fact.installed ? `${leaf.package.name} ${fact.version ?? ''} is installed`.replace(/ {2}/, ' ') : `${leaf.package.name} is not installed`;
    return fact.installed === leaf.package.installed ? pass(text) : fail(text);
  }
  if ('service' in leaf && fact.kind === 'service') {
    const { unit, active, enabled } = leaf.service;
    if (fact.exists === false) {
      const text = `${unit} is not installed`;
      return active === true || enabled === true ? fail(text) : pass(text);
    }
    const parts: Verdict[] = [];
    if (active !== undefined) {
      if (fact.active === null) parts.push(unknown(fact, `${unit} active state`));
      else parts.push((fact.active === active ? pass : fail)(`${unit} is ${fact.activeState ?? (fact.active ? 'active' : 'inactive')}`));
    }
    if (enabled !== undefined) {
      if (fact.enabled === null) parts.push(unknown(fact, `${unit} enabled state`));
      else parts.push((fact.enabled === enabled ? pass : fail)(`${unit} is ${fact.enabledState ?? (fact.enabled ? 'enabled' : 'disabled')}`));
    }
    return combine('all', parts);
  }
  if ('mount' in leaf && fact.kind === 'mount') {
    const { path, optionsInclude, mustExist } = leaf.mount;
    if (fact.mounted === null) return unknown(fact, `mount ${path}`);
    if (!fact.mounted) return mustExist ? fail(`${path} is not a separate mount`) : notApplicable(`${path} is not a separate mount`);
    const missing = (optionsInclude ?? []).filter((option) => !fact.options.includes(option));
    return missing.length
      ? fail(`${path} (${fact.fstype ?? '?'}) lacks ${missing.join(', ')}`)
      : pass(`${path} (${fact.fstype ?? '?'}) ${fact.options.join(',')}`);
  }
  if ('accounts' in leaf && fact.kind === 'accounts') {
    const parts: Verdict[] = [];
    if (leaf.accounts.uid0Only) {
      if (fact.users.length === 0 && fact.problem) parts.push(unknown(fact, '/etc/passwd'));
      else {
        const extra = fact.uid0.filter((name) => !leaf.accounts.uid0Only!.includes(name));
        parts.push(extra.length ? fail(`uid 0 also: ${extra.join(', ')}`) : pass(`uid 0: ${fact.uid0.join(', ') || 'none'}`));
      }
    }
    if (leaf.accounts.noEmptyPasswords) {
      if (fact.emptyPasswords === null) parts.push(error(`/etc/shadow: ${fact.shadowProblem ?? fact.problem ?? 'could not be read'}`));
      else parts.push(fact.emptyPasswords.length ? fail(`empty password: ${fact.emptyPasswords.slice(0, 20).join(', ')}`) : pass('no empty password'));
    }
    return combine('all', parts);
  }
  if ('loginDefs' in leaf && fact.kind === 'login-defs') {
    if (fact.problem && Object.keys(fact.values).length === 0) return unknown(fact, '/etc/login.defs');
    const value = fact.values[leaf.loginDefs.key];
    if (value === undefined) return fail(`${leaf.loginDefs.key} is not set in login.defs`);
    return valueVerdict(leaf.loginDefs.key, value, leaf.loginDefs);
  }
  if ('gpu' in leaf && fact.kind === 'gpus') return evaluateGpu(leaf.gpu, fact);
  if ('gpuDevices' in leaf && fact.kind === 'gpu-devices') {
    if (fact.problem && fact.devices.length === 0) return unknown(fact, '/dev/nvidia*');
    if (fact.devices.length === 0) return notApplicable('no /dev/nvidia* device');
    return fact.worldWritable.length
      ? fail(`world-writable: ${fact.worldWritable.join(', ')}`)
      : pass(`${fact.devices.length} device files, none world-writable`);
  }
  if ('firewall' in leaf && fact.kind === 'firewall') {
    if (fact.active === null) return unknown(fact, 'firewall');
    if (!fact.active) return fail('no firewall filters traffic');
    const min = leaf.firewall.minRules;
    if (min !== undefined) {
      if (fact.rules === null) return unknown(fact, `${fact.tool ?? 'firewall'} rules`);
      if (fact.rules < min) return fail(`${fact.tool ?? 'firewall'} has ${fact.rules} rules, at least ${min} required`);
    }
    return pass(`${fact.tool ?? 'firewall'} active${fact.rules === null ? '' : `, ${fact.rules} rules`}`);
  }
  if ('timeSync' in leaf && fact.kind === 'time-sync') {
    if (fact.synchronized === null) return unknown(fact, 'time synchronisation');
    return (fact.synchronized ? pass : fail)(`clock ${fact.synchronized ? '' : 'not '}synchronised (${fact.source ?? '?'})`);
  }
  if ('updates' in leaf && fact.kind === 'pending-updates') {
    if (fact.security === null) return unknown(fact, 'pending updates');
    const text = `${fact.security} pending security update${fact.security === 1 ? '' : 's'}${fact.securityPackages.length ? ` (${fact.securityPackages.slice(0, 10).join(', ')})` : ''}`;
    return fact.security <= leaf.updates.securityMax ? pass(text) : fail(`${text}, at most ${leaf.updates.securityMax}`);
  }
  if ('logging' in leaf && fact.kind === 'logging') {
    const { persistent, syslog, either } = leaf.logging;
    const text = `journal ${fact.persistent === null ? 'unknown' : fact.persistent ? 'persistent' : 'volatile'} (Storage=${fact.storage ?? '?'}), syslog ${fact.syslog === null ? 'unknown' : fact.syslog ? 'active' : 'inactive'}`;
    if (either) {
      if (fact.persistent === true || fact.syslog === true) return pass(text);
      if (fact.persistent === null || fact.syslog === null) return error(`${text}: ${fact.problem ?? 'could not be read'}`);
      return fail(text);
    }
    const parts: Verdict[] = [];
    for (const [want, have] of [
      [persistent, fact.persistent],
      [syslog, fact.syslog],
    ] as const) {
      if (want === undefined) continue;
      parts.push(have === null ? error(`${text}: ${fact.problem ?? 'could not be read'}`) : have === want ? pass(text) : fail(text));
    }
    return combine('all', parts);
  }
  if ('command' in leaf && fact.kind === 'command') {
    const { id, exitCode, matches, absent } = leaf.command;
    if (fact.exitCode === null || (fact.problem && exitCode === undefined && matches === undefined && absent === undefined)) return unknown(fact, id);
    if (exitCode !== undefined && fact.exitCode !== exitCode) return fail(`${id} exited ${fact.exitCode}, ${exitCode} required`);
    if (absent !== undefined) {
      const found = compilePolicyRegex(absent, false).exec(fact.stdout);
      if (found) return fail(`${id} printed "${found[0].trim().slice(0, 120)}"`);
    }
    if (matches !== undefined && !compilePolicyRegex(matches, false).test(fact.stdout)) return fail(`${id} printed nothing matching /${matches}/`);
    return pass(`${id} exited ${fact.exitCode}${matches !== undefined ? `, output matches /${matches}/` : ''}`);
  }
  return error(`the ${fact.kind} fact does not answer this rule`);
}

// ---- trees -------------------------------------------------------------------------------------

export function evaluateRule(rule: RuleNode, ctx: EvalContext): Verdict {
  if ('all' in rule)
    return combine(
      'all',
      rule.all.map((child) => evaluateRule(child, ctx)),
    );
  if ('any' in rule)
    return combine(
      'any',
      rule.any.map((child) => evaluateRule(child, ctx)),
    );
  if ('none' in rule)
    return combine(
      'none',
      rule.none.map((child) => evaluateRule(child, ctx)),
    );
  try {
    return evaluateLeaf(rule, ctx);
  } catch (thrown) {
    return error(`cannot evaluate: ${(thrown as Error).message}`);
  }
}

export interface NodeView extends EvalContext {
  os: OsRelease | null;
  osProblem: string | null;
}

/** A check's verdict on a node: not applicable, manual, or its rule's verdict. */
export function evaluateCheck(check: Check, node: NodeView): Verdict {
  const gpus = node.fleet.gpus.get(node.nodeId);
  const applies = applicability(check.applies, node.os, node.osProblem, gpus);
  if (applies.status !== 'pass') return applies;
  if (check.rule === null) return { status: 'manual', detail: 'answered by the auditor' };
  return evaluateRule(check.rule, node);
}
