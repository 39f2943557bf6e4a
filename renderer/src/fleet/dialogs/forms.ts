/**
 * The Add node and label forms as pure functions: text fields in, an SshNode (checked with the
 * shared zod schema, the same one the engine applies) or per-field messages out.
 */
import type { z } from 'zod';
import {
  EXPORTER_DEFAULT_PORTS,
  identityFilesOrDefaults,
  SshNodeSchema,
  type ExporterKind,
  type NodeState,
  type SshConfigCandidate,
  type SshConnectionSpec,
  type SshNode,
} from '../../../../shared/model/inventory';

export interface HopForm {
  host: string;
  port: string;
  user: string;
  /** One path per line; empty: the node's own key files. */
  identityFiles: string;
}

/** One exporter of the node (kind, port, path, how it is reached). */
export interface ExporterForm {
  kind: ExporterKind;
  port: string;
  path: string;
  via: 'ssh' | 'direct';
}

export interface AddNodeForm {
  alias: string;
  host: string;
  port: string;
  user: string;
  /** One path per line. */
  identityFiles: string;
  useAgent: boolean;
  proxyJump: HopForm[];
  /** Comma- or space-separated. */
  labels: string;
  exporters: ExporterForm[];
}

export const EMPTY_HOP: HopForm = { host: '', port: '', user: '', identityFiles: '' };

export const EMPTY_FORM: AddNodeForm = {
  alias: '',
  host: '',
  port: '22',
  user: '',
  identityFiles: '',
  useAgent: false,
  proxyJump: [],
  labels: '',
  exporters: [],
};

/** A new exporter row: the kind not yet listed, at its usual port, through SSH. */
export function newExporter(listed: readonly ExporterForm[]): ExporterForm {
  const kind: ExporterKind = listed.some((e) => e.kind === 'node-exporter') ? 'dcgm-exporter' : 'node-exporter';
  return { kind, port: String(EXPORTER_DEFAULT_PORTS[kind]), path: '/metrics', via: 'ssh' };
}

/** The Edit dialog's form: the node as it is reached now. */
export function nodeToForm(id: string, labels: readonly string[], spec: SshConnectionSpec): AddNodeForm {
  return {
    alias: id,
    host: spec.host,
    port: String(spec.port),
    user: spec.user,
    identityFiles: spec.identityFiles.join('\n'),
    useAgent: spec.useAgent,
    proxyJump: spec.proxyJump.map((hop) => ({
      host: hop.host,
      port: String(hop.port),
      user: hop.user === spec.user ? '' : hop.user,
      identityFiles: sameList(hop.identityFiles, spec.identityFiles) ? '' : hop.identityFiles.join('\n'),
    })),
    labels: labels.join(', '),
    exporters: (spec.exporters ?? []).map((e) => ({ kind: e.kind, port: String(e.port), path: e.path, via: e.via })),
  };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** `user@host:port`, the way two inventory entries reach the same machine. */
const endpointOf = (spec: Pick<SshNode, 'user' | 'host' | 'port'>) => `${spec.user}@${spec.host.toLowerCase()}:${spec.port}`;

/** The id of another node reached at the same user, host and port, if any (a warning, not a refusal). */
export function duplicateOf(node: Pick<SshNode, 'id' | 'user' | 'host' | 'port'>, states: Iterable<Pick<NodeState, 'id' | 'address' | 'ssh'>>): string | null {
  const wanted = endpointOf(node);
  for (const state of states) {
    if (state.id === node.id) continue;
    const endpoint = state.ssh ? endpointOf(state.ssh) : (state.address?.split(' ')[0]?.toLowerCase() ?? null);
    if (endpoint === wanted) return state.id;
  }
  return null;
}

/** Field name → what is wrong with it. Hop fields are `hop-<i>-<field>`. */
export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** "gpu, rack-3  team:ml" → ['gpu', 'rack-3', 'team:ml'], without repeats. */
export function parseLabels(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((label) => label.length > 0))];
}

/** An integer port, or null when the text is not one (range is the schema's job). */
function parsePort(text: string, fallback: number): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return fallback;
  return /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : null;
}

type Issue = z.core.$ZodIssue;

/** A zod issue as a short sentence for a form field. */
export function issueMessage(issue: Issue): string {
  if (issue.code === 'too_small') {
    if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'required' : `at least ${issue.minimum} characters`;
    if (issue.origin === 'number') return `at least ${issue.minimum}`;
    return `at least ${issue.minimum}`;
  }
  if (issue.code === 'too_big') {
    if (issue.origin === 'string') return `too long (at most ${issue.maximum} characters)`;
    if (issue.origin === 'array') return `at most ${issue.maximum}`;
    return `at most ${issue.maximum}`;
  }
  if (issue.code === 'invalid_format' && issue.message.startsWith('Invalid')) return 'contains characters that are not allowed';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'a whole number';
  return issue.message;
}

/** The form field an issue of SshNodeSchema belongs to. */
export function fieldOfPath(path: ReadonlyArray<PropertyKey>): string {
  const [first, second, third] = path;
  if (first === 'id') return 'alias';
  if (first === 'proxyJump') {
    if (typeof second !== 'number') return 'proxyJump';
    return `hop-${second}-${third === undefined ? 'host' : String(third)}`;
  }
  if (first === 'exporters') {
    if (typeof second !== 'number') return 'exporters';
    return `exporter-${second}-${third === undefined ? 'kind' : String(third)}`;
  }
  return typeof first === 'string' ? first : 'form';
}

/** Adds a field's message; "required" says all there is to say about an empty field. */
function addError(errors: FieldErrors, field: string, message: string): void {
  const known = errors[field];
  if (message === 'required' || known === undefined) errors[field] = message;
  else if (known !== 'required' && !known.split('; ').includes(message)) errors[field] = `${known}; ${message}`;
}

/** Builds the node the form describes, or says what to fix, field by field. */
export function formToNode(form: AddNodeForm): FormResult<SshNode> {
  const errors: FieldErrors = {};
  const port = parsePort(form.port, 22);
  if (port === null) addError(errors, 'port', 'a port number, 1 to 65535');
  // Left empty: OpenSSH's default key files, as the import applies them (missing ones are skipped).
  const identityFiles = identityFilesOrDefaults(parseLines(form.identityFiles));
  const user = form.user.trim();
  const host = form.host.trim();
  const proxyJump = form.proxyJump.map((hop, i) => {
    const hopPort = parsePort(hop.port, 22);
    if (hopPort === null) addError(errors, `hop-${i}-port`, 'a port number, 1 to 65535');
    const hopFiles = parseLines(hop.identityFiles);
    return { host: hop.host.trim(), port: hopPort ?? 22, user: hop.user.trim() || user, identityFiles: hopFiles.length > 0 ? hopFiles : identityFiles };
  });
  const exporters = form.exporters.map((exporter, i) => {
    const exporterPort = parsePort(exporter.port, EXPORTER_DEFAULT_PORTS[exporter.kind]);
    if (exporterPort === null) addError(errors, `exporter-${i}-port`, 'a port number, 1 to 65535');
    return { kind: exporter.kind, port: exporterPort ?? EXPORTER_DEFAULT_PORTS[exporter.kind], path: exporter.path.trim() || '/metrics', via: exporter.via };
  });
  const labels = parseLabels(form.labels);
  const candidate = {
    id: form.alias.trim() || host,
    host,
    port: port ?? 22,
    user,
    identityFiles,
    useAgent: form.useAgent,
    proxyJump,
    labels,
    ...(exporters.length > 0 ? { exporters } : {}),
  };
  const parsed = SshNodeSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOfPath(issue.path);
      if (field === 'labels' && typeof issue.path[1] === 'number') {
        addError(errors, 'labels', `"${labels[issue.path[1]]}": ${issueMessage(issue)}`);
      } else if (field === 'identityFiles' && typeof issue.path[1] === 'number') {
        addError(errors, 'identityFiles', `line ${issue.path[1] + 1}: ${issueMessage(issue)}`);
      } else if (field === 'alias' && form.alias.trim() === '') {
        // The alias was taken from the host: say so once, and nothing while the host is empty too.
        if (host !== '') errors.alias = 'the host cannot serve as the alias; give one';
      } else {
        addError(errors, field, issueMessage(issue));
      }
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors: inFormOrder(errors) };
  return { ok: true, value: parsed.data! };
}

const FIELD_ORDER = ['alias', 'host', 'port', 'user', 'identityFiles', 'proxyJump', 'hop-', 'exporters', 'exporter-', 'labels'];

/** The same errors, keyed in the order the fields appear (the first one gets the focus). */
export function inFormOrder(errors: FieldErrors): FieldErrors {
  const rank = (field: string) => {
    const i = FIELD_ORDER.findIndex((f) => (f.endsWith('-') ? field.startsWith(f) : field === f));
    return i < 0 ? FIELD_ORDER.length : i;
  };
  const hopIndex = (field: string) => Number(/^(?:hop|exporter)-(\d+)-/.exec(field)?.[1] ?? 0);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b) || hopIndex(a) - hopIndex(b)));
}

const LabelsSchema = SshNodeSchema.shape.labels;

/** The label editor's text as a label list the engine accepts, or why not. */
export function labelsFromText(text: string): FormResult<string[]> {
  const labels = parseLabels(text);
  const parsed = LabelsSchema.safeParse(labels);
  if (parsed.success) return { ok: true, value: parsed.data };
  const messages = parsed.error.issues.map((issue) =>
    typeof issue.path[0] === 'number' ? `"${labels[issue.path[0]]}": ${issueMessage(issue)}` : issueMessage(issue),
  );
  return { ok: false, errors: { labels: [...new Set(messages)].join('; ') } };
}

/**
 * Field messages from an engine refusal such as
 * "nodes:add: node.host: a host name…; node.proxyJump.0.port: Too big", for messages the
 * schema check here did not catch (another version of the engine). Unknown text: none.
 */
export function engineFieldErrors(message: string): FieldErrors {
  const errors: FieldErrors = {};
  // "a node called gpu-07 already exists": the alias is taken.
  if (/\ba node called \S+ (already exists|is already in the inventory)/.test(message)) errors.alias = 'already used by another node; choose another alias';
  const pattern = /\bnode\.([\w.]+): ([^;]+)/g;
  for (let match = pattern.exec(message); match; match = pattern.exec(message)) {
    const path = match[1]!.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    addError(errors, fieldOfPath(path), match[2]!.trim());
  }
  return errors;
}

/** Why a Host entry of an ssh config cannot be chosen for import, or null when it can. */
export function candidateBlocker(candidate: Pick<SshConfigCandidate, 'known' | 'problem'>): string | null {
  if (candidate.known) return 'already in the fleet';
  return candidate.problem;
}

/** "user@host:port via bastion › inner", the way an entry connects. */
export function candidateRoute(candidate: Pick<SshConfigCandidate, 'user' | 'host' | 'port' | 'proxyJump'>): string {
  const target = `${candidate.user}@${candidate.host}${candidate.port === 22 ? '' : `:${candidate.port ?? '?'}`}`;
  if (candidate.proxyJump.length === 0) return target;
  return `${target} via ${candidate.proxyJump.map((hop) => hop.host).join(' › ')}`;
}
