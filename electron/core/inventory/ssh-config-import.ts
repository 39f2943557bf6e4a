/**
 * Reads an OpenSSH client config (default ~/.ssh/config) into import candidates, resolved the way
 * OpenSSH resolves them: the `ssh-config` library parses and computes Host/Match blocks and
 * wildcards (first value wins); we expand Include ourselves (it does not), resolve ProxyJump
 * chains hop by hop through the same config, and expand %-tokens in IdentityFile.
 * `Match exec` is never evaluated: importing a file must not run its commands.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { NodeIdSchema, SshHopSchema, SshNodeSchema, type SshConfigCandidate, type SshHop, type SshNode } from '../../../shared/model/inventory';

const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;
const DEFAULT_IDENTITY_FILES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519_sk', '~/.ssh/id_rsa'];

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Expands one Include argument to files, in lexical order, like glob(3). */
function expandIncludePattern(pattern: string): string[] {
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
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const name of names) if (re.test(name) && !name.startsWith('.')) next.push(join(dir, name));
    }
    candidates = next;
  }
  return candidates.filter((file) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** The config text with every Include replaced by the included files' text (depth-limited, no cycles). */
export function expandIncludes(path: string, warnings: string[], depth = 0, seen: Set<string> = new Set()): string {
  if (depth > MAX_INCLUDE_DEPTH) {
    warnings.push(`Include nested deeper than ${MAX_INCLUDE_DEPTH} levels at ${path}; ignored`);
    return '';
  }
  if (seen.has(path)) {
    warnings.push(`Include cycle through ${path}; ignored`);
    return '';
  }
  const text = readFileSync(path, 'utf8');
  const inner = new Set(seen).add(path);
  return text
    .split('\n')
    .map((line) => {
      const match = /^\s*Include\s+(.+?)\s*$/i.exec(line);
      if (!match) return line;
      const args = match[1]!.match(/"[^"]*"|\S+/g) ?? [];
      return args
        .map((arg) => arg.replace(/^"|"$/g, ''))
        .flatMap(expandIncludePattern)
        .map((file) => expandIncludes(file, warnings, depth + 1, inner))
        .join('\n');
    })
    .join('\n');
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
    const identityFiles = ((c.IdentityFile as string[] | undefined) ?? DEFAULT_IDENTITY_FILES).map((f) => expandTokens(f.replace(/^"|"$/g, ''), tokens));
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
export function readSshConfig(path: string, knownIds: ReadonlySet<string> = new Set()): SshConfigRead {
  const warnings: string[] = [];
  const text = expandIncludes(path, warnings);
  if (/^\s*Match\b.*\bexec\b/im.test(text)) warnings.push('Match exec blocks are not evaluated (importing never runs commands from the config)');
  const config = SSHConfig.parse(text);
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
      port: resolved.port,
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
