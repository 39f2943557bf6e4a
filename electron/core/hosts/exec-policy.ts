/**
 * What a Host may run and read: the exec policy. Each feature declares the commands it runs on
 * nodes (a program and a rule per argument) and the files it reads, in its own file; the
 * composition root puts the declarations together and hands the policy to every Host, which
 * checks each request before anything starts. Arguments always travel as an argument vector
 * (quoted one by one over SSH): no shell string is ever built from them.
 */

/** A rule for one argument that is not a fixed string. */
export interface ArgValidator {
  /** What the argument must be, in words (error messages and docs). */
  readonly name: string;
  test(arg: string): boolean;
}

/** A literal string (must match exactly) or a validator. */
export type ArgRule = string | ArgValidator;

export interface CommandSpec {
  /** Unique across features, e.g. `collectors.nvidia-smi-xml`. */
  readonly id: string;
  /** A bare program name (looked up on the node's PATH) or an absolute path. */
  readonly program: string;
  /** One rule per argument: the command takes exactly this many. */
  readonly args: readonly ArgRule[];
  readonly description: string;
  /** May run as `sudo -n PROGRAM ARGS` (default: never). */
  readonly sudo?: boolean;
}

export interface PathSpec {
  readonly id: string;
  /** The file (literal) or a validator for a family of files. */
  readonly path: ArgRule;
  readonly description: string;
}

/** What one feature runs and reads on nodes. */
export interface HostAccess {
  readonly commands: readonly CommandSpec[];
  readonly paths: readonly PathSpec[];
}

export class NotAllowedError extends Error {
  constructor(what: string) {
    super(`not on the allowlist: ${what}`);
    this.name = 'NotAllowedError';
  }
}

/** No argument may be longer than this unless a literal allows it (the collectors' scripts). */
export const MAX_ARG_LENGTH = 4096;

/** NUL ends a C string early; a newline or CR would start another line in a remote shell's view. */
const FORBIDDEN_CHARS = /[\0\n\r]/;

/** An argument (or path) cut short and JSON-quoted: an error message never echoes a huge value. */
export function describeArg(arg: string): string {
  return JSON.stringify(arg.length > 40 ? `${arg.slice(0, 40)}...` : arg);
}

function describeCall(program: string, args: readonly string[]): string {
  const shown = args.slice(0, 6).map(describeArg);
  if (args.length > 6) shown.push(`... (${args.length - 6} more)`);
  return `${describeArg(program)} [${shown.join(', ')}]`;
}

// ---- validators -------------------------------------------------------------------------------

/** One of a fixed set of strings (e.g. the collectors' constant scripts). */
export function oneOf(name: string, values: readonly string[]): ArgValidator {
  const set = new Set(values);
  return { name, test: (arg) => set.has(arg) };
}

/** A whole-string match of `regex` (anchored here), at most maxLength characters. */
export function pattern(name: string, regex: RegExp, maxLength: number): ArgValidator {
  const anchored = new RegExp(`^(?:${regex.source})$`, regex.flags.replace(/[gy]/g, ''));
  return { name, test: (arg) => arg.length <= maxLength && anchored.test(arg) };
}

/**
 * An absolute path of plain characters: no `..` segment (a spec that allows /etc/x must not
 * reach /etc/x/../../root), no empty segment, nothing a program could take for an option.
 */
export function absolutePath(maxLength = 1024): ArgValidator {
  const plain = pattern('an absolute path', /\/[A-Za-z0-9._+@:,=-]+(?:\/[A-Za-z0-9._+@:,=-]+)*/, maxLength);
  return {
    name: 'an absolute path (no "..", plain characters)',
    test: (arg) => plain.test(arg) && !arg.split('/').some((segment) => segment === '..' || segment === '.'),
  };
}

/** A path under one of `roots` (each absolute, without a trailing slash), by the rules of absolutePath. */
export function pathUnder(roots: readonly string[], maxLength = 1024): ArgValidator {
  const path = absolutePath(maxLength);
  return { name: `an absolute path under ${roots.join(' or ')}`, test: (arg) => path.test(arg) && roots.some((root) => arg.startsWith(`${root}/`)) };
}

/** A sysctl name: `kernel.randomize_va_space`, `net.ipv4.conf.all.rp_filter` (dots or slashes). */
export function sysctlKey(): ArgValidator {
  return pattern('a sysctl key', /[a-z0-9_]+(?:[./][A-Za-z0-9_-]+)*/, 256);
}

/** A package name as dpkg or rpm spells it, with an optional `:arch`. */
export function packageName(): ArgValidator {
  return pattern('a package name', /[A-Za-z0-9][A-Za-z0-9+._-]{0,127}(?::[a-z0-9_-]{1,32})?/, 162);
}

/** A systemd unit name such as `ssh.service` or `getty@tty1.service` (no escapes, no globs). */
export function systemdUnit(): ArgValidator {
  return pattern('a systemd unit', /[A-Za-z0-9_][A-Za-z0-9:_.@-]{0,200}/, 256);
}

/** A whole number in [min, max], written plainly (no sign unless negative, no leading zeros). */
export function integer(min: number, max: number): ArgValidator {
  const digits = pattern('an integer', /-?(?:0|[1-9][0-9]{0,15})/, 17);
  return { name: `an integer from ${min} to ${max}`, test: (arg) => digits.test(arg) && Number(arg) >= min && Number(arg) <= max };
}

/** A point in time journalctl --since takes: `2024-05-01`, `2024-05-01 12:00[:00]`, `@EPOCH`. */
export function journalTime(): ArgValidator {
  return pattern('a date, date and time, or @epoch', /\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?|@\d{1,12}/, 20);
}

function matches(rule: ArgRule, arg: string): boolean {
  if (typeof rule === 'string') return rule === arg;
  return arg.length <= MAX_ARG_LENGTH && rule.test(arg);
}

// ---- the policy -------------------------------------------------------------------------------

export class ExecPolicy {
  private readonly byProgram = new Map<string, CommandSpec[]>();
  private readonly paths: PathSpec[] = [];

  private constructor(readonly access: readonly HostAccess[]) {
    const ids = new Set<string>();
    const claim = (id: string) => {
      if (ids.has(id)) throw new Error(`exec policy: the id ${id} is declared twice`);
      ids.add(id);
    };
    for (const feature of access) {
      for (const spec of feature.commands) {
        claim(spec.id);
        if (!/^(?:[A-Za-z0-9._+-]+|(?:\/[A-Za-z0-9._+-]+)+)$/.test(spec.program) || spec.program.startsWith('-')) {
          throw new Error(`exec policy: ${spec.id} names ${describeArg(spec.program)}, not a program name or absolute path`);
        }
        this.byProgram.set(spec.program, [...(this.byProgram.get(spec.program) ?? []), spec]);
      }
      for (const spec of feature.paths) {
        claim(spec.id);
        this.paths.push(spec);
      }
    }
  }

  /** The policy of these features' declarations together. */
  static of(...access: HostAccess[]): ExecPolicy {
    return new ExecPolicy(access);
  }

  /** Allows nothing: a Host built without a policy runs nothing. */
  static readonly none = new ExecPolicy([]);

  /** The spec `program args` satisfies; throws NotAllowedError (before anything runs) when none does. */
  check(program: string, args: readonly string[], options: { sudo?: boolean } = {}): CommandSpec {
    if (typeof program !== 'string' || !Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
      throw new NotAllowedError('a command that is not a program name and string arguments');
    }
    if ([program, ...args].some((a) => FORBIDDEN_CHARS.test(a))) {
      throw new NotAllowedError(`${describeArg(program)}: an argument holds NUL or a line break`);
    }
    const specs = this.byProgram.get(program) ?? [];
    const spec = specs.find((s) => s.args.length === args.length && s.args.every((rule, i) => matches(rule, args[i]!)));
    if (!spec) throw new NotAllowedError(describeCall(program, args));
    if (options.sudo && !spec.sudo) throw new NotAllowedError(`${describeCall(program, args)} under sudo (${spec.id} does not allow it)`);
    return spec;
  }

  /** Throws NotAllowedError unless a declared path allows reading or stat'ing `path`. */
  checkPath(path: string): PathSpec {
    if (typeof path !== 'string' || FORBIDDEN_CHARS.test(path)) throw new NotAllowedError('a path that holds NUL or a line break');
    const spec = this.paths.find((s) => matches(s.path, path));
    if (!spec) throw new NotAllowedError(`read ${describeArg(path)}`);
    return spec;
  }
}
