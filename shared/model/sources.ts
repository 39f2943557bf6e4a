import { z } from 'zod';

/** A file path given in the config (a secret, a CA): absolute, or relative to the config folder. */
const ConfigFileSchema = z.string().min(1).max(4096);

/**
 * A Mimir/Cortex tenant (X-Scope-OrgID): Mimir's tenant characters, `|` joining tenants of a
 * federated query; nothing that could end a header line.
 */
export const TenantSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9!._*'()|-]+$/, "a tenant id (letters, digits, ! . _ * ' ( ) -, tenants joined by |)");

/**
 * Whether a URL carries no userinfo (user:password@): no `@` before the end of its authority (a
 * backslash counted in, as the WHATWG parser ends it there: a URL that odd is refused anyway).
 */
function urlWithoutCredentials(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
}

/** Where the OS keychain keeps a source's token (bearer) or password (basic). */
export const sourceSecretName = (sourceId: string, what: 'token' | 'password') => `prometheus-source:${sourceId}:${what}`;

/** One Prometheus-compatible source. */
export const PrometheusSourceConfigSchema = z
  .object({
    /** The source's name in logs and node states. */
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name (letters, digits, . _ -)'),
    kind: z.literal('prometheus'),
    /**
     * The API root: http(s)://host:port[/prefix]. Credentials in it are refused: they would be
     * kept in plain text in config.yaml and shown wherever the config is (basic, secret).
     */
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .refine(urlWithoutCredentials, 'no user or password in the URL: give basic.username and the password apart (kept in the keychain or a file)'),
    /** A file holding the bearer token (one line). */
    bearerTokenFile: ConfigFileSchema.optional(),
    /** Basic auth: the password is read from a file, or kept in the OS keychain (`secret: keychain`). */
    basic: z
      .object({ username: z.string().min(1).max(256), passwordFile: ConfigFileSchema.optional() })
      .strict()
      .optional(),
    /**
     * `keychain`: the secret is kept by the desktop app's OS keychain (set from Settings), never
     * in this file: with `basic`, its password; without, a bearer token.
     */
    secret: z.literal('keychain').optional(),
    /** Sent as X-Scope-OrgID (Mimir, Cortex; Thanos with a tenant header). */
    tenant: TenantSchema.optional(),
    /** A PEM file of a CA to trust besides the system's. */
    caFile: ConfigFileSchema.optional(),
    /** The label naming a node (its value, without a :port, is the node's id). */
    nodeLabel: z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
      .max(128)
      .default('instance'),
    /** Per query: connect, headers and body together. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict()
  .refine((s) => !(s.bearerTokenFile && s.basic), { message: 'give bearerTokenFile or basic, not both' })
  .refine((s) => !(s.secret === 'keychain' && (s.bearerTokenFile || s.basic?.passwordFile)), {
    message: 'a secret is in the keychain or in a file, not both: drop secret: keychain, or the file',
    path: ['secret'],
  })
  .refine((s) => !s.basic || s.basic.passwordFile || s.secret === 'keychain', {
    message: 'basic auth needs a passwordFile (or secret: keychain, set from the desktop app)',
    path: ['basic', 'passwordFile'],
  });
export type PrometheusSourceConfig = z.output<typeof PrometheusSourceConfigSchema>;

/**
 * A Prometheus-compatible source as Settings shows it. Secrets never travel back to a UI: only
 * where they are kept (the OS keychain, a file named in the config, or nowhere).
 */
export const SourceSecretStateSchema = z.object({
  kind: z.enum(['none', 'bearer', 'basic']),
  /** Where the token or password is kept; null when the source needs none. */
  keptIn: z.enum(['keychain', 'file']).nullable(),
});
export type SourceSecretState = z.infer<typeof SourceSecretStateSchema>;

/** What a source's last queries came to. */
export const SourceHealthSchema = z.object({
  state: z.enum(['unknown', 'ok', 'error']),
  /** The classified error of the last failure, in words a user can act on. */
  message: z.string().max(4096).nullable(),
  /** unreachable, unauthorized, not-prometheus, tls, server-error, query-error, too-large. */
  errorKind: z.string().max(64).nullable(),
  lastOkAt: z.number().nullable(),
  nodeCount: z.number().int().nonnegative(),
  /** How long the last tick's queries took, from the first sent to the last answered (ms); null before any. */
  answerMs: z.number().nonnegative().nullable(),
  /** That answer came later than a tick allows: its values came with the next tick. */
  late: z.boolean(),
});
export type SourceHealth = z.infer<typeof SourceHealthSchema>;

export const SourceInfoSchema = z.object({
  config: PrometheusSourceConfigSchema,
  secret: SourceSecretStateSchema,
  health: SourceHealthSchema,
});
export type SourceInfo = z.infer<typeof SourceInfoSchema>;

/**
 * A source as Settings sends it: the config, and a new token or password to keep in the OS
 * keychain (desktop only). Left out, a secret already kept stays as it is.
 */
export const SourceSaveRequestSchema = z
  .object({
    source: PrometheusSourceConfigSchema,
    token: z.string().min(1).max(16_384).optional(),
    password: z.string().min(1).max(1024).optional(),
  })
  .strict();
export type SourceSaveRequest = z.input<typeof SourceSaveRequestSchema>;

/** What test-connection found: ok with the engine's version and node count, or a classified error. */
export const SourceTestResultSchema = z.object({
  ok: z.boolean(),
  errorKind: z.string().max(64).nullable(),
  message: z.string().max(4096),
  /** The engine's build info version when it answers /api/v1/status/buildinfo (Mimir, VictoriaMetrics may not). */
  version: z.string().max(256).nullable(),
  /** Nodes the source would bring (distinct node-label values with node_exporter or DCGM series). */
  nodeCount: z.number().int().nonnegative().nullable(),
  elapsedMs: z.number().nonnegative(),
});
export type SourceTestResult = z.infer<typeof SourceTestResultSchema>;
