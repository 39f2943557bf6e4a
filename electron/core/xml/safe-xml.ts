/**
 * XML text to a plain tree, for command output we do not trust. xml2js (on sax, strict mode)
 * never resolves DTD entities, so entity-expansion bombs and external entities fail as
 * "Invalid character entity"; it builds null-prototype objects, so an element named
 * `__proto__` cannot reach Object.prototype. Attribute and text keys are '@' and '#', which are
 * not legal XML names, so no element can collide with them.
 */
import { Parser } from 'xml2js';

export type XmlNode = string | XmlElement;
export interface XmlElement {
  [name: string]: XmlNode | XmlNode[] | undefined;
}

export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlParseError';
  }
}

/** What one document may cost: the parser stops at the first bound it crosses. */
export interface XmlLimits {
  /** Characters of text. */
  maxChars: number;
  /** Nesting of elements (the root is depth 1). */
  maxDepth: number;
  /** Elements in the whole document. */
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxChars: 64 * 1024 * 1024, maxDepth: 64, maxElements: 1_000_000 };
const ATTRS = '@';
const TEXT = '#';

interface SaxHooks {
  onopentag: (node: unknown) => void;
  onclosetag: (name: string) => void;
}

/**
 * Counts depth and elements as sax reads them and stops at a bound, before the tree is built:
 * a hostile document costs what the bounds allow, not what it is (deep nesting and millions of
 * siblings each took seconds).
 */
function enforceLimits(parser: Parser, limits: XmlLimits): void {
  const sax = (parser as unknown as { saxParser: SaxHooks }).saxParser;
  const open = sax.onopentag.bind(sax);
  const close = sax.onclosetag.bind(sax);
  let depth = 0;
  let elements = 0;
  sax.onopentag = (node) => {
    depth += 1;
    elements += 1;
    if (depth > limits.maxDepth) throw new XmlParseError(`XML nested deeper than ${limits.maxDepth} elements`);
    if (elements > limits.maxElements) throw new XmlParseError(`XML has more than ${limits.maxElements} elements`);
    open(node);
  };
  sax.onclosetag = (name) => {
    depth -= 1;
    close(name);
  };
}

/** Parses synchronously; throws XmlParseError with a one-line reason. Returns {rootName, root}. */
export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): { rootName: string; root: XmlNode } {
  if (text.length > limits.maxChars) throw new XmlParseError(`XML longer than ${limits.maxChars} characters`);
  if (text.trim() === '') throw new XmlParseError('empty output, not XML');
  const parser = new Parser({
    explicitArray: false,
    trim: true,
    attrkey: ATTRS,
    charkey: TEXT,
    async: false,
    strict: true,
  });
  enforceLimits(parser, limits);
  let error: unknown = null;
  let result: unknown = null;
  let called = false;
  // With async:false xml2js calls back before parseString returns.
  parser.parseString(text, (err: unknown, value: unknown) => {
    if (called) return;
    called = true;
    error = err;
    result = value;
  });
  if (!called) throw new XmlParseError('XML parser did not finish');
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof XmlParseError) throw error;
    throw new XmlParseError(`not valid XML: ${message.split('\n')[0]}`);
  }
  if (result === null || typeof result !== 'object') throw new XmlParseError('no root element');
  const names = Object.keys(result);
  if (names.length !== 1) throw new XmlParseError('no single root element');
  const rootName = names[0]!;
  return { rootName, root: (result as XmlElement)[rootName] as XmlNode };
}

function own(element: XmlElement, name: string): XmlNode | XmlNode[] | undefined {
  return Object.prototype.hasOwnProperty.call(element, name) ? element[name] : undefined;
}

/** All children of `node` named `name`, in document order. */
export function childrenNamed(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') return [];
  const value = own(node, name);
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The first element along a slash-separated path, like ElementTree's find('a/b'). */
export function find(node: XmlNode | undefined, path: string): XmlNode | undefined {
  let current: XmlNode | undefined = node;
  for (const name of path.split('/')) {
    current = childrenNamed(current, name)[0];
    if (current === undefined) return undefined;
  }
  return current;
}

/** The element's own text (before any children), or '' when it has none. */
export function ownText(node: XmlNode): string {
  if (typeof node === 'string') return node;
  const text = own(node, TEXT);
  return typeof text === 'string' ? text : '';
}

export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const attrs = own(node, ATTRS);
  if (attrs === undefined || typeof attrs === 'string' || Array.isArray(attrs)) return undefined;
  const value = own(attrs, name);
  return typeof value === 'string' ? value : undefined;
}

/** Child elements in document order as [name, node] pairs (attributes and text excluded). */
export function childElements(node: XmlNode | undefined): Array<[string, XmlNode]> {
  if (node === undefined || typeof node === 'string') return [];
  const out: Array<[string, XmlNode]> = [];
  for (const name of Object.keys(node)) {
    if (name === ATTRS || name === TEXT) continue;
    for (const child of childrenNamed(node, name)) out.push([name, child]);
  }
  return out;
}
