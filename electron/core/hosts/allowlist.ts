import { COLLECTION_ARGVS } from '../collectors/linux/scripts';

/**
 * The only programs a Host may run, each with the exact argument lists it may be given. Every
 * entry is read-only. A request outside this list throws before anything is started.
 */
const ALLOWED = {
  'nvidia-smi': [['-q', '-x']],
  // The Linux collectors' two constant scripts (see collectors/linux/scripts.ts).
  sh: COLLECTION_ARGVS.map((argv) => argv.slice(1)),
} as const satisfies Record<string, ReadonlyArray<readonly string[]>>;

export type AllowedCommand = keyof typeof ALLOWED;

/** Paths readFile may open: read-only system files the collectors parse. */
const READABLE_PATHS = [/^\/proc\/(stat|meminfo|loadavg|net\/dev|diskstats|uptime)$/, /^\/etc\/os-release$/];

export class NotAllowedError extends Error {
  constructor(what: string) {
    super(`not on the allowlist: ${what}`);
    this.name = 'NotAllowedError';
  }
}

export function assertAllowedCommand(command: string, args: readonly string[]): asserts command is AllowedCommand {
  const variants = Object.prototype.hasOwnProperty.call(ALLOWED, command)
    ? (ALLOWED as Record<string, ReadonlyArray<readonly string[]>>)[command]
    : undefined;
  const ok = variants?.some((allowed) => allowed.length === args.length && allowed.every((a, i) => a === args[i]));
  if (!ok) throw new NotAllowedError(`${command} ${JSON.stringify(args)}`);
}

export function assertReadablePath(path: string): void {
  if (!READABLE_PATHS.some((pattern) => pattern.test(path))) throw new NotAllowedError(`read ${JSON.stringify(path)}`);
}
