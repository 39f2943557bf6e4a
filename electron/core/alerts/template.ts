/**
 * Alert message templates: `{{name}}` placeholders replaced by text, nothing else. No expressions,
 * no code, no nesting; an unknown placeholder stays visible so a typo shows in the message.
 */

export interface MessageVars {
  node: string;
  gpu: string | null;
  subject: string;
  value: number | null;
  text: string;
  labels: Readonly<Record<string, string>>;
}

/** The rendered message never exceeds this (the stored alert allows 8192). */
export const MESSAGE_MAX_CHARS = 4096;
/** One substituted value never exceeds this, so one long label cannot crowd out the rest. */
const VAR_MAX_CHARS = 2048;

/** `{{ name }}` or `{{ labels.name }}`; whitespace inside the braces is allowed. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_.-]+)?)\s*\}\}/g;

export const TEMPLATE_VARS = ['node', 'gpu', 'subject', 'value', 'text'] as const;

/** The placeholder names in a template that renderMessage would leave unreplaced (for the loader). */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!(TEMPLATE_VARS as readonly string[]).includes(name) && !/^labels\.[A-Za-z0-9_.-]+$/.test(name)) unknown.add(name);
  }
  return [...unknown];
}

/** 95.4321 -> "95.43", 3 -> "3", 1e12 -> "1000000000000". */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(2)));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function lookup(name: string, vars: MessageVars): string | undefined {
  if (name.startsWith('labels.')) {
    const label = name.slice('labels.'.length);
    return Object.prototype.hasOwnProperty.call(vars.labels, label) ? vars.labels[label] : undefined;
  }
  switch (name) {
    case 'node':
      return vars.node;
    case 'gpu':
      return vars.gpu ?? '';
    case 'subject':
      return vars.subject;
    case 'value':
      return formatValue(vars.value);
    case 'text':
      return vars.text;
    default:
      return undefined;
  }
}

/** Fills a rule's message template. Placeholders it does not know (or a missing label) stay as written. */
export function renderMessage(template: string, vars: MessageVars): string {
  const out = clip(template, MESSAGE_MAX_CHARS * 2).replace(PLACEHOLDER, (whole, name: string) => {
    const value = lookup(name, vars);
    return value === undefined ? whole : clip(value, VAR_MAX_CHARS);
  });
  return clip(out, MESSAGE_MAX_CHARS);
}
