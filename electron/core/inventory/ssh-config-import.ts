/**
 * Reads an OpenSSH client config (default ~/.ssh/config) into import candidates, resolved the way
 * OpenSSH resolves them: the `ssh-config` library parses and computes Host/Match blocks and
 * wildcards (first value wins); we expand Include ourselves (it does not), resolve ProxyJump
 * chains hop by hop through the same config, and expand %-tokens in IdentityFile.
 * `Match exec` is never evaluated and the `Canonicalize*` directives are dropped before anything
 * is resolved (the library would run `nslookup` from PATH for them): reading a config never runs
 * anything. Files are opened without blocking, read only when they are regular files of at most
 * 1 MiB, and read asynchronously: a FIFO or /dev/zero named as a config cannot hold the engine.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import {
  identityFilesOrDefaults,
  NodeIdSchema,
  SshHopSchema,
  SshNodeSchema,
  type SshConfigCandidate,
  type SshHop,
  type SshNode,
} from '../../../shared/model/inventory';

const MAX_INCLUDE_DEPTH = 16;
/** Far above any real ssh config (OpenSSH's own limit for one file is 256 KB of lines). */
export const MAX_SSH_CONFIG_BYTES = 1024 * 1024;
/** Included files in all, so a glob over a huge folder cannot make an import read forever. */
const MAX_INCLUDED_FILES = 256;
const MAX_JUMP_DEPTH = 8;

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/** Why a config file could not be read: one message whatever the cause, so that the answer does not tell what exists. */
export class SshConfigReadError extends Error {
  constructor(path: string, detail = 'not a readable regular file of at most 1 MiB') {
    super(`cannot read ${path}: ${detail}`);
    this.name = 'SshConfigReadError';
  }
}

/**
 * The text of a config file: opened non-blocking (a FIFO does not wait for a writer), accepted
 * only as a regular file (fstat on the open descriptor, so nothing can swap it in between) of at
 * most MAX_SSH_CONFIG_BYTES, read asynchronously.
 */
export async function readConfigFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch {
    throw new SshConfigReadError(path);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new SshConfigReadError(path);
    if (info.size > MAX_SSH_CONFIG_BYTES) throw new SshConfigReadError(path, `larger than ${MAX_SSH_CONFIG_BYTES / 1024 / 1024} MiB`);
    // Read at most one byte past the cap: a file that grows while being read is still bounded.
    const buffer = Buffer.alloc(Math.min(MAX_SSH_CONFIG_BYTES + 1, info.size + 1));
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_SSH_CONFIG_BYTES) throw new SshConfigReadError(path, `larger than ${MAX_SSH_CONFIG_BYTES / 1024 / 1024} MiB`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Expands one Include argument to paths, in lexical order, like glob(3). */
async function expandIncludePattern(pattern: string): Promise<string[]> {
  let path = pattern.startsWith('~/') ? join(homedir(), pattern.slice(2)) : pattern;
  if (!isAbsolute(path)) path = join(homedir(), '.ssh', path);
  const parts = path.split('/').filter(Boolean);
  let candidates = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of candidates) {
      if (!/[*?]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      let names: string[] = [];
      try {
        names = (await readdir(dir)).sort();
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const name of names) if (re.test(name) && !name.startsWith('.')) next.push(join(dir, name));
    }
    candidates = next.slice(0, MAX_INCLUDED_FILES);
  }
  return candidates;
}

interface IncludeBudget {
  files: number;
}

/** The config text with every Include replaced by the included files' text (depth-limited, no cycles). */
export async function expandIncludes(
  path: string,
  warnings: string[],
  depth = 0,
  seen: Set<string> = new Set(),
  budget: IncludeBudget = { files: 0 },
): Promise<string> {
  if (depth > MAX_INCLUDE_DEPTH) {
    warnings.push(`Include nested deeper than ${MAX_INCLUDE_DEPTH} levels at ${path}; ignored`);
    return '';
  }
  if (seen.has(path)) {
    warnings.push(`Include cycle through ${path}; ignored`);
    return '';
  }
  if (budget.files >= MAX_INCLUDED_FILES) {
    warnings.push(`more than ${MAX_INCLUDED_FILES} files included; ${path} and the rest are ignored`);
    return '';
  }
  budget.files += 1;
  // The top file must be readable; an included one that is not (a glob matching a folder, a
  // dangling link) is skipped with a warning, as OpenSSH skips what its glob cannot read.
  let text: string;
  try {
    text = await readConfigFile(path);
  } catch (error) {
    if (depth === 0) throw error;
    warnings.push(`Include ${path}: ${(error as Error).message.replace(/^cannot read [^:]*: /, '')}; skipped`);
    return '';
  }
  const inner = new Set(seen).add(path);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*Include\s+(.+?)\s*$/i.exec(line);
    if (!match) {
      out.push(line);
      continue;
    }
    const args = (match[1]!.match(/"[^"]*"|\S+/g) ?? []).map((arg) => arg.replace(/^"|"$/g, ''));
    for (const arg of args) {
      for (const file of await expandIncludePattern(arg)) out.push(await expandIncludes(file, warnings, depth + 1, inner, budget));
    }
  }
  return out.join('\n');
}

/**
 * Directives that would make the library resolve names through DNS by running `nslookup` (a
 * program from PATH, synchronously, once per alias and domain, with the alias as its argument).
 * Clusterdeck connects to the HostName it resolved, as written; these are dropped, with a warning.
 */
const CANONICALIZE = /^(?:CanonicalizeHostName|CanonicalDomains|CanonicalizeFallbackLocal|CanonicalizeMaxDots|CanonicalizePermittedCNAMEs)$/i;

function dropCanonicalize(config: SSHConfig): number {
  let dropped = 0;
  for (let i = config.length - 1; i >= 0; i -= 1) {
    const line = config[i]!;
    if (line.type !== SSHConfig.DIRECTIVE) continue;
    if (CANONICALIZE.test(line.param)) {
      config.splice(i, 1);
      dropped += 1;
    } else if ('config' in line) {
      dropped += dropCanonicalize(line.config);
    }
  }
  return dropped;
}

type Computed = Record<string, string | string[]>;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function expandTokens(value: string, tokens: { host: string; user: string; port: number; alias: string }): string {
  return value.replace(/%([%dhurpn])/g, (_, token: string) => {
    switch (token) {
      case '%':
        return '%';
      case 'd':
        return homedir();
      case 'h':
        return tokens.host;
      case 'u':
        return userInfo().username;
      case 'r':
        return tokens.user;
      case 'p':
        return String(tokens.port);
      default:
        return tokens.alias;
    }
  });
}

interface Resolved {
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  useAgent: boolean;
  proxyJump: SshHop[];
  problem: string | null;
}

/** One "[user@]host[:port]" (or ssh://user@host:port) ProxyJump element. */
function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  const uri = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(spec);
  if (uri) return { user: uri[1], host: uri[2]!.replace(/^\[|\]$/g, ''), port: uri[3] ? Number(uri[3]) : undefined };
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  const rest = at >= 0 ? spec.slice(at + 1) : spec;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) return { user, host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : undefined };
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && rest.indexOf(':') === colon) return { user, host: rest.slice(0, colon), port: Number(rest.slice(colon + 1)) };
  return { user, host: rest };
}

class ConfigResolver {
  constructor(private readonly config: SSHConfig) {}

  compute(alias: string, user?: string): Computed {
    const options = { matchExec: false };
    return (user === undefined ? this.config.compute(alias, options) : this.config.compute({ Host: alias, User: user }, options)) as Computed;
  }

  resolve(alias: string, overrides: { user?: string; port?: number } = {}, depth = 0): Resolved {
    const c = this.compute(alias, overrides.user);
    const hostName = single(c.HostName) ?? alias;
    const user = overrides.user ?? single(c.User) ?? userInfo().username;
    const port = overrides.port ?? Number(single(c.Port) ?? 22);
    const host = expandTokens(hostName, { host: alias, user, port, alias });
    const tokens = { host, user, port, alias };
    const identityFiles = identityFilesOrDefaults((c.IdentityFile as string[] | undefined) ?? []).map((f) => expandTokens(f.replace(/^"|"$/g, ''), tokens));
    const agentSetting = single(c.IdentityAgent);
    const useAgent = agentSetting === undefined || agentSetting.toLowerCase() !== 'none';
    let problem: string | null = null;
    if (single(c.ProxyCommand) !== undefined && single(c.ProxyCommand)!.toLowerCase() !== 'none') {
      problem = 'uses ProxyCommand, which runs a local shell command; Clusterdeck supports ProxyJump instead';
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) problem = `invalid Port ${single(c.Port)}`;
    let proxyJump: SshHop[] = [];
    const jumpSetting = single(c.ProxyJump);
    if (jumpSetting && jumpSetting.toLowerCase() !== 'none') {
      if (depth >= MAX_JUMP_DEPTH) {
        problem ??= `ProxyJump chain longer than ${MAX_JUMP_DEPTH}`;
      } else {
        for (const spec of jumpSetting.split(',')) {
          const parsed = parseJumpSpec(spec.trim());
          const hop = this.resolve(parsed.host, { user: parsed.user, port: parsed.port }, depth + 1);
          problem ??= hop.problem ? `jump host ${spec}: ${hop.problem}` : null;
          // A jump host's own ProxyJump comes first, as OpenSSH chains them.
          proxyJump.push(...hop.proxyJump, { host: hop.host, port: hop.port, user: hop.user, identityFiles: hop.identityFiles });
        }
      }
    }
    proxyJump = proxyJump.slice(0, 8);
    return { host, port, user, identityFiles, useAgent, proxyJump, problem };
  }
}

export interface SshConfigRead {
  candidates: Array<SshConfigCandidate & { node: SshNode | null }>;
  warnings: string[];
}

/** Every concrete Host alias of the file (no wildcards or negations), resolved. */
export async function readSshConfig(path: string, knownIds: ReadonlySet<string> = new Set()): Promise<SshConfigRead> {
  const warnings: string[] = [];
  const text = await expandIncludes(path, warnings);
  if (/^\s*Match\b.*\bexec\b/im.test(text)) warnings.push('Match exec blocks are not evaluated (importing never runs commands from the config)');
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(text);
  } catch (error) {
    throw new SshConfigReadError(path, `not an ssh config: ${(error as Error).message.slice(0, 200)}`);
  }
  if (dropCanonicalize(config) > 0)
    warnings.push('CanonicalizeHostName and CanonicalDomains are ignored (they would look names up by running nslookup); HostName is used as written');
  const resolver = new ConfigResolver(config);
  const aliases: string[] = [];
  for (const line of config) {
    if (line.type !== SSHConfig.DIRECTIVE || !/^host$/i.test(line.param)) continue;
    const values = Array.isArray(line.value) ? line.value.map((v) => v.val) : [line.value];
    for (const value of values) if (!/[*?!]/.test(value) && !aliases.includes(value)) aliases.push(value);
  }
  const candidates = aliases.map((alias) => {
    const resolved = resolver.resolve(alias);
    let problem = resolved.problem;
    let node: SshNode | null = null;
    if (!NodeIdSchema.safeParse(alias).success) problem ??= 'the alias has characters a node name cannot have';
    if (problem === null) {
      const parsed = SshNodeSchema.safeParse({
        id: alias,
        host: resolved.host,
        port: resolved.port,
        user: resolved.user,
        identityFiles: resolved.identityFiles,
        useAgent: resolved.useAgent,
        proxyJump: resolved.proxyJump,
        labels: [],
      });
      if (parsed.success) node = parsed.data;
      else problem = `not importable: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
    }
    return {
      alias,
      host: resolved.host,
      port: Number.isInteger(resolved.port) ? resolved.port : null,
      user: resolved.user,
      identityFiles: resolved.identityFiles,
      proxyJump: resolved.proxyJump.filter((hop) => SshHopSchema.safeParse(hop).success),
      known: knownIds.has(alias),
      problem,
      node,
    };
  });
  return { candidates, warnings };
}
