/**
 * The Prometheus text formats: exposition 0.0.4 (what node_exporter and dcgm-exporter serve by
 * default) and OpenMetrics 1.0 text (`# EOF` at the end, timestamps in seconds, counters declared
 * without their `_total`). An exporter is not trusted: the input is cut at `maxBytes`, at most
 * `maxSeries` samples are kept, long lines, long label values and too many labels are skipped, and
 * nothing here throws. Every skip is a bounded warning.
 */
import { quote, Warnings } from '../hosts/remote-text';

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown' | 'untyped';

export interface ExpositionSample {
  /** The sample's own name (with `_total`, `_bucket`, `_sum`... where it has one). */
  name: string;
  labels: Record<string, string>;
  /** NaN, +Inf and -Inf are kept as such. */
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  type: FamilyType;
  help: string | null;
  samples: ExpositionSample[];
}

export interface Exposition {
  families: Map<string, MetricFamily>;
  /** What was skipped or cut, and why (bounded). Empty for well-formed input within the bounds. */
  warnings: string[];
  /** Whether the text declared itself OpenMetrics (`# EOF`). */
  openMetrics: boolean;
}

export interface ExpositionLimits {
  /** Samples kept; the rest are counted in a warning. */
  maxSeries: number;
  /** Characters read; a longer text is read up to its last whole line before the cut. */
  maxBytes: number;
  /** A label value longer than this makes its sample skipped (default 4096). */
  maxLabelValueChars?: number;
  /** Labels per sample (default 64). */
  maxLabels?: number;
}

const MAX_LINE_CHARS = 256 * 1024;
const MAX_HELP_CHARS = 4096;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A label value after its opening quote: anything but an unescaped quote, then the closing quote. */
const QUOTED_VALUE = /((?:[^"\\]|\\.)*)"/y;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown', 'untyped']);

/** The suffixes a family's samples may carry beyond the family name, by type. */
const SUFFIXES: Record<FamilyType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
  stateset: [],
  unknown: [],
  untyped: [],
};

/** A value as Go's strconv.ParseFloat and OpenMetrics read it: decimals, NaN, ±Inf; null otherwise. */
export function parseSampleValue(token: string): number | null {
  if (token.length > 64) return null;
  switch (token.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
  }
  if (!DECIMAL.test(token)) return null;
  const value = Number(token);
  // 1e999 reads as Infinity in JavaScript; Go says "out of range": not a value.
  return Number.isFinite(value) ? value : null;
}

interface LabelsRead {
  labels: Record<string, string>;
  end: number;
}

/** Reads `{a="x",b="y"}` starting at `at` (the `{`). Returns a reason string when malformed. */
function readLabels(line: string, at: number, maxValue: number, maxLabels: number): LabelsRead | string {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = at + 1;
  let count = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i += 1;
    if (line[i] === '}') return { labels: { ...labels }, end: i + 1 };
    const name = LABEL_NAME.exec(line.slice(i, i + 256))?.[0];
    if (name === undefined) return 'a label name is malformed';
    i += name.length;
    while (line[i] === ' ' || line[i] === '\t') i += 1;
    if (line[i] !== '=') return `label ${quote(name)} has no "="`;
    i += 1;
    while (line[i] === ' ' || line[i] === '\t') i += 1;
    if (line[i] !== '"') return `label ${quote(name)} has no quoted value`;
    QUOTED_VALUE.lastIndex = i + 1;
    const quoted = QUOTED_VALUE.exec(line);
    if (quoted === null) return `label ${quote(name)} value is not closed`;
    if (quoted[1]!.length > maxValue) return `label ${quote(name)} has a value longer than ${maxValue} characters`;
    // The format knows \\ \" and \n; Prometheus keeps any other escaped character as it is.
    const value = quoted[1]!.includes('\\')
      ? quoted[1]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === '\\' || c === '"' ? c : `\\${c}`))
      : quoted[1]!;
    i = QUOTED_VALUE.lastIndex;
    if (name in labels) return `label ${quote(name)} is repeated`;
    count += 1;
    if (count > maxLabels) return `more than ${maxLabels} labels`;
    labels[name] = value;
    while (line[i] === ' ' || line[i] === '\t') i += 1;
    if (line[i] === ',') {
      i += 1;
      continue;
    }
    if (line[i] === '}') return { labels: { ...labels }, end: i + 1 };
    return 'labels are not separated by ","';
  }
}

/** HELP text escapes: \\ and \n. */
function unescapeHelp(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : `\\${c}`));
}

/** A stable key for one series: name plus labels sorted by name. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return JSON.stringify([name, ...keys.flatMap((k) => [k, labels[k]])]);
}

function textUpTo(text: string, maxBytes: number, warnings: Warnings): string {
  if (text.length <= maxBytes) return text;
  const cut = text.lastIndexOf('\n', maxBytes);
  warnings.add(`${text.length} characters, more than the ${maxBytes} read; the rest is ignored`);
  return cut < 0 ? '' : text.slice(0, cut);
}

/** Parses one exposition. Never throws. */
export function parseExposition(text: string, limits: ExpositionLimits): Exposition {
  const warnings = new Warnings();
  const out: Exposition = { families: new Map(), warnings: warnings.list, openMetrics: false };
  try {
    parseInto(out, text, limits, warnings);
  } catch (error) {
    warnings.add(`parser failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return out;
}

function parseInto(out: Exposition, text: string, limits: ExpositionLimits, warnings: Warnings): void {
  if (typeof text !== 'string') {
    warnings.add('not text');
    return;
  }
  const maxValue = limits.maxLabelValueChars ?? 4096;
  const maxLabels = limits.maxLabels ?? 64;
  const body = textUpTo(text, limits.maxBytes, warnings);
  out.openMetrics = /(?:^|\n)# EOF\s*$/.test(body.slice(-32));
  const families = out.families;
  const seen = new Set<string>();
  /** Families that already have samples: a HELP or TYPE for them now comes too late. */
  const withSamples = new Set<string>();
  let current: string | null = null;
  let kept = 0;
  let overLimit = 0;
  let afterEof = false;

  const family = (name: string): MetricFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { type: 'untyped', help: null, samples: [] };
      families.set(name, found);
    }
    return found;
  };

  /** The family a sample name belongs to: the current block, a declared family, or its own. */
  const familyOf = (sampleName: string): string => {
    const owns = (name: string | null): name is string => {
      if (name === null) return false;
      if (name === sampleName) return true;
      const declared = families.get(name);
      return declared !== undefined && sampleName.startsWith(name) && SUFFIXES[declared.type].includes(sampleName.slice(name.length));
    };
    if (owns(current)) return current;
    if (families.has(sampleName)) return sampleName;
    for (const suffix of ['_total', '_created', '_bucket', '_sum', '_count', '_gsum', '_gcount', '_info']) {
      if (sampleName.endsWith(suffix)) {
        const base = sampleName.slice(0, -suffix.length);
        if (owns(base)) return base;
      }
    }
    return sampleName;
  };

  let start = 0;
  for (let lineNo = 1; start <= body.length; lineNo += 1) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const rawLength = end - start;
    const line = rawLength > MAX_LINE_CHARS ? null : body.slice(start, body[end - 1] === '\r' ? end - 1 : end);
    start = end + 1;
    if (line === null) {
      warnings.add(`line ${lineNo}: ${rawLength} characters, longer than ${MAX_LINE_CHARS}; skipped`);
      continue;
    }
    if (line.trim() === '') continue;
    if (afterEof) {
      warnings.add(`line ${lineNo}: text after "# EOF"; ignored`);
      break;
    }
    if (line.startsWith('#')) {
      const comment = /^#\s+(HELP|TYPE|UNIT)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (line === '# EOF') {
        afterEof = true;
        continue;
      }
      if (comment === null) continue; // an ordinary comment
      const [, keyword, name, rest = ''] = comment as unknown as [string, string, string, string | undefined];
      if (keyword === 'UNIT') continue;
      if (withSamples.has(name)) {
        warnings.add(`line ${lineNo}: ${keyword} for ${quote(name)} after its samples; ignored`);
        continue;
      }
      const target = family(name);
      current = name;
      if (keyword === 'HELP') {
        target.help = unescapeHelp(rest.length > MAX_HELP_CHARS ? rest.slice(0, MAX_HELP_CHARS) : rest);
      } else {
        const type = rest.trim();
        if (TYPES.has(type)) target.type = type as FamilyType;
        else warnings.add(`line ${lineNo}: unknown type ${quote(type)} for ${quote(name)}; read as untyped`);
      }
      continue;
    }

    if (kept >= limits.maxSeries) {
      // Past the bound nothing more is parsed: a hostile exporter costs a line scan, no more.
      overLimit += 1;
      continue;
    }
    const nameMatch = METRIC_NAME.exec(line);
    if (nameMatch === null) {
      warnings.add(`line ${lineNo}: not a sample: ${quote(line)}; skipped`);
      continue;
    }
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') {
      const read = readLabels(line, i, maxValue, maxLabels);
      if (typeof read === 'string') {
        warnings.add(`line ${lineNo}: ${quote(name)}: ${read}; skipped`);
        continue;
      }
      labels = read.labels;
      i = read.end;
    }
    // After the value: an optional timestamp, then (OpenMetrics) an optional exemplar "# {...}".
    const rest = line.slice(i);
    const exemplarAt = rest.indexOf(' # ');
    const tokens = (exemplarAt < 0 ? rest : rest.slice(0, exemplarAt)).trim().split(/[ \t]+/);
    if (!/^[ \t]/.test(rest) || tokens.length < 1 || tokens.length > 2 || tokens[0] === '') {
      warnings.add(`line ${lineNo}: ${quote(name)}: not "name{labels} value [timestamp]"; skipped`);
      continue;
    }
    const value = parseSampleValue(tokens[0]!);
    if (value === null) {
      warnings.add(`line ${lineNo}: ${quote(name)}: value ${quote(tokens[0]!)} is not a number; skipped`);
      continue;
    }
    let timestampMs: number | undefined;
    if (tokens[1] !== undefined) {
      const ts = parseSampleValue(tokens[1]);
      const ms = ts === null ? null : out.openMetrics ? Math.round(ts * 1000) : ts;
      if (ms === null || !Number.isSafeInteger(ms)) {
        warnings.add(`line ${lineNo}: ${quote(name)}: timestamp ${quote(tokens[1])} is not one; skipped`);
        continue;
      }
      timestampMs = ms;
    }
    const key = seriesKey(name, labels);
    if (seen.has(key)) {
      warnings.add(`line ${lineNo}: ${quote(name)} repeats a series already read; the first is kept`);
      continue;
    }
    seen.add(key);
    kept += 1;
    const familyName = familyOf(name);
    current = familyName;
    withSamples.add(familyName);
    const sample: ExpositionSample = { name, labels, value };
    if (timestampMs !== undefined) sample.timestampMs = timestampMs;
    family(familyName).samples.push(sample);
  }
  if (overLimit > 0) warnings.add(`${overLimit} sample(s) past the ${limits.maxSeries} kept were not read`);
  // A family with only HELP/TYPE and no sample is legal (an exporter with nothing to report).
}

/** All samples of an exposition in one list, family by family. */
export function exposedSamples(exposition: Pick<Exposition, 'families'>): ExpositionSample[] {
  return [...exposition.families.values()].flatMap((f) => f.samples);
}
