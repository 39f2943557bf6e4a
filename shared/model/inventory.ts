import { z } from 'zod';

/** A hostname, IP address or [IPv6] as typed by the user or read from ssh_config. */
const HostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:%[\]-]+$/, 'a host name or address (letters, digits, . - : [ ])');
/** A login name as OpenSSH accepts it (no spaces, quotes or shell characters). */
const UserSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._@-]*$/, 'a login name (letters, digits, . _ - @)');
const PortSchema = z.number().int().min(1).max(65535);
/** A node's id in the inventory: the alias the user knows it by. */
export const NodeIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@:-]*$/, 'an alias (letters, digits, . _ - @ :)');
const LabelSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:/-]+$/, 'a label (letters, digits, . _ - : /)');

/** One hop of a ProxyJump chain, resolved to where and as whom to connect. */
export const SshHopSchema = z.object({
  host: HostSchema,
  port: PortSchema,
  user: UserSchema,
  identityFiles: z.array(z.string().min(1).max(4096)).max(16),
});
export type SshHop = z.infer<typeof SshHopSchema>;

/** An exporter a node runs, scraped by the node's collector instead of running the commands it covers. */
export const ExporterKindSchema = z.enum(['node-exporter', 'dcgm-exporter']);
export type ExporterKind = z.infer<typeof ExporterKindSchema>;

/** Where an exporter usually listens. */
export const EXPORTER_DEFAULT_PORTS: Readonly<Record<ExporterKind, number>> = { 'node-exporter': 9100, 'dcgm-exporter': 9400 };

export const NodeExporterSpecSchema = z
  .object({
    kind: ExporterKindSchema,
    port: PortSchema,
    /** The metrics path on the exporter (a plain absolute path: no query, spaces or `..`). */
    path: z
      .string()
      .max(256)
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'a path such as /metrics')
      .refine((p) => !p.split('/').includes('..'), 'a path without ..')
      .default('/metrics'),
    /**
     * `ssh`: through the node's own SSH connection to its loopback (direct-tcpip, no port opened);
     * `direct`: plain HTTP to the node's host at this port.
     */
    via: z.enum(['ssh', 'direct']),
  })
  .strict();
export type NodeExporterSpec = z.infer<typeof NodeExporterSpecSchema>;

/** At most one exporter of each kind: each covers its parts of the node. */
export const NodeExportersSchema = z
  .array(NodeExporterSpecSchema)
  .max(2)
  .superRefine((list, ctx) => {
    list.forEach((spec, index) => {
      if (list.findIndex((other) => other.kind === spec.kind) !== index) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `only one ${spec.kind} per node`, path: [index, 'kind'] });
      }
    });
  });

/**
 * The key files OpenSSH tries when a Host sets no IdentityFile (ssh_config(5)), in its order. The
 * import and the Add dialog store these for a node whose key files are left unsaid; files that do
 * not exist are skipped when connecting, as OpenSSH skips them.
 */
export const OPENSSH_DEFAULT_IDENTITY_FILES: readonly string[] = [
  '~/.ssh/id_ed25519',
  '~/.ssh/id_ecdsa',
  '~/.ssh/id_ecdsa_sk',
  '~/.ssh/id_ed25519_sk',
  '~/.ssh/id_rsa',
];

/** The key files given, or OpenSSH's defaults when none are. */
export function identityFilesOrDefaults(files: readonly string[]): string[] {
  return files.length > 0 ? [...files] : [...OPENSSH_DEFAULT_IDENTITY_FILES];
}

/** A node the engine reads over SSH. */
export const SshNodeSchema = z.object({
  id: NodeIdSchema,
  host: HostSchema,
  port: PortSchema,
  user: UserSchema,
  /** Private key files to offer (IdentityFile); empty means the ssh-agent only. */
  identityFiles: z.array(z.string().min(1).max(4096)).max(16),
  useAgent: z.boolean(),
  /** Bastions to go through, outermost first (ProxyJump). */
  proxyJump: z.array(SshHopSchema).max(8),
  /** Groups and labels, for filtering the fleet. */
  labels: z.array(LabelSchema).max(32),
  /** Exporters scraped each tick for the parts they cover (node-exporter: CPU, memory, disks, network; dcgm: GPUs). */
  exporters: NodeExportersSchema.optional(),
});
export type SshNode = z.infer<typeof SshNodeSchema>;

/** How an SSH node is reached, as its state carries it for the Edit dialog (no id or labels: those are the state's own). */
export const SshConnectionSpecSchema = SshNodeSchema.omit({ id: true, labels: true });
export type SshConnectionSpec = z.infer<typeof SshConnectionSpecSchema>;

/**
 * A node's health. `degraded`: reachable but some collector failed; the host-key states stop
 * collection until the user acts.
 */
export const NodeStatusSchema = z.enum(['up', 'degraded', 'connecting', 'unreachable', 'auth-failed', 'host-key-unknown', 'host-key-mismatch']);
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/** When a node entered `status`: kept while the status stays the same, `at` when it changes. */
export function statusSince(previous: { status: NodeStatus; since: number | null }, status: NodeStatus, at: number): number | null {
  return previous.status === status ? previous.since : at;
}

/** A host key the user is asked to trust (new host) or re-trust (changed key). */
export const HostKeyPromptSchema = z.object({
  nodeId: z.string(),
  host: z.string(),
  port: z.number().int(),
  keyType: z.string(),
  fingerprint: z.string(),
  /** For a changed key: the fingerprints on record. */
  knownFingerprints: z.array(z.string()),
});
export type HostKeyPrompt = z.infer<typeof HostKeyPromptSchema>;

/** What the fleet page shows for a node besides its telemetry. */
/** Where a node's readings come from: this machine, SSH, or (next) a Prometheus-compatible source. */
export const NodeSourceSchema = z.enum(['local', 'ssh', 'prometheus']);
export type NodeSource = z.infer<typeof NodeSourceSchema>;

export const NodeStateSchema = z.object({
  id: z.string(),
  /** The node's source. */
  kind: NodeSourceSchema,
  status: NodeStatusSchema,
  since: z.number().nullable(),
  lastError: z.string().nullable(),
  address: z.string().nullable(),
  labels: z.array(z.string()),
  /** Sources this node lacks (no /proc/diskstats, no nvidia-smi...), found once, not errors. */
  missing: z.array(z.string()),
  hostKey: HostKeyPromptSchema.nullable(),
  /** The encrypted private key whose passphrase the node waits for, if that is its problem. */
  passphraseFor: z.string().nullable().default(null),
  /** What was cut from this node's readings at a bound (too many filesystems...), kept while it lasts. */
  notes: z.array(z.string()).max(16).optional(),
  /** An inventory SSH node's connection settings (paths of key files, never keys), for editing it. */
  ssh: SshConnectionSpecSchema.optional(),
});
export type NodeState = z.infer<typeof NodeStateSchema>;

/** A Host entry of an ssh_config file, resolved the way OpenSSH would, for the import picker. */
export const SshConfigCandidateSchema = z.object({
  alias: z.string(),
  host: z.string(),
  /** Null when the file's Port is not a number (the candidate's problem says so). */
  port: z.number().int().nullable(),
  user: z.string(),
  identityFiles: z.array(z.string()),
  proxyJump: z.array(SshHopSchema),
  /** Already in the inventory under this alias. */
  known: z.boolean(),
  /** Why it cannot be imported as is (e.g. ProxyCommand), or null. */
  problem: z.string().nullable(),
});
export type SshConfigCandidate = z.infer<typeof SshConfigCandidateSchema>;
