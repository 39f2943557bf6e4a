/**
 * The add/edit form of a Prometheus-compatible source, as plain data: filled from a source (never
 * its secret: the engine does not send it), checked with the engine's own schema, and turned
 * into a sources:save request; each problem is attached to its field.
 */
import type { AppInfo } from '../../../shared/contract';
import { PrometheusSourceConfigSchema, type PrometheusSourceConfig, type SourceInfo, type SourceSaveRequest } from '../../../shared/model/sources';

export type AuthKind = 'none' | 'bearer' | 'basic';
export type SecretPlace = 'keychain' | 'file';

export interface SourceForm {
  id: string;
  url: string;
  auth: AuthKind;
  /** Where the token or password is kept: the OS keychain (desktop) or a file (serve, CLI). */
  secretIn: SecretPlace;
  token: string;
  tokenFile: string;
  username: string;
  password: string;
  passwordFile: string;
  tenant: string;
  caFile: string;
  nodeLabel: string;
  timeoutS: string;
}

export type SourceFormField = keyof SourceForm;
export type SourceFormErrors = Partial<Record<SourceFormField | 'form', string>>;

/**
 * Whether the engine can keep a typed secret (an OS keychain): only then does the form offer it.
 * An engine from before AppInfo.secretsKept: the desktop app was assumed to have one.
 */
export function secretsKeptBy(info: AppInfo | null): boolean {
  return info?.secretsKept ?? info?.mode === 'desktop';
}

function originOf(url: string): string | null {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return null;
  }
}

/**
 * Whether the secret kept in the keychain for the source being edited still serves the form:
 * same source, same kind of secret, and the same origin (scheme, host, port), since the engine
 * only sends a kept secret to the origin it was given for.
 */
export function keptSecretStands(kept: SourceInfo | null, form: Pick<SourceForm, 'id' | 'url' | 'auth'>): boolean {
  if (kept === null || kept.config.id !== form.id.trim() || kept.secret.keptIn !== 'keychain' || kept.secret.kind !== form.auth) return false;
  const before = originOf(kept.config.url);
  return before !== null && before === originOf(form.url);
}

export function emptySourceForm(keychain: boolean): SourceForm {
  return {
    id: '',
    url: '',
    auth: 'none',
    secretIn: keychain ? 'keychain' : 'file',
    token: '',
    tokenFile: '',
    username: '',
    password: '',
    passwordFile: '',
    tenant: '',
    caFile: '',
    nodeLabel: 'instance',
    timeoutS: '10',
  };
}

/** A saved source as the form shows it; token and password fields start empty (left empty, the kept one stays). */
export function formFromSource(info: SourceInfo, keychain: boolean): SourceForm {
  const c = info.config;
  return {
    ...emptySourceForm(keychain),
    id: c.id,
    url: c.url,
    auth: info.secret.kind,
    // Without a keychain here, a secret kept in one cannot be read: a file is asked for.
    secretIn: keychain ? (info.secret.keptIn ?? 'keychain') : 'file',
    tokenFile: c.bearerTokenFile ?? '',
    username: c.basic?.username ?? '',
    passwordFile: c.basic?.passwordFile ?? '',
    tenant: c.tenant ?? '',
    caFile: c.caFile ?? '',
    nodeLabel: c.nodeLabel,
    timeoutS: String(c.timeoutMs / 1000),
  };
}

/** The schema's field path -> the form's field. */
const FIELD_OF: Record<string, SourceFormField> = {
  id: 'id',
  url: 'url',
  bearerTokenFile: 'tokenFile',
  'basic.username': 'username',
  'basic.passwordFile': 'passwordFile',
  basic: 'username',
  tenant: 'tenant',
  caFile: 'caFile',
  nodeLabel: 'nodeLabel',
  timeoutMs: 'timeoutS',
  token: 'token',
  password: 'password',
};

/** The field an engine message ("tenant: ...") is about, or 'form'. */
export function fieldOfMessage(message: string, form: Pick<SourceForm, 'auth'>): SourceFormField | 'form' {
  // The contract's own refusals read "sources:save: source.tenant: ..."; the handler's "tenant: ...".
  const bare = message.replace(/^sources:[a-z]+: /, '').replace(/^source\./, '');
  const prefix = /^([A-Za-z.]+): /.exec(bare)?.[1];
  if (prefix === 'secret') return form.auth === 'basic' ? 'password' : 'token';
  return (prefix && FIELD_OF[prefix]) || 'form';
}

export type FormResult = { ok: true; value: SourceSaveRequest } | { ok: false; errors: SourceFormErrors };

/**
 * The request to send. `kept` is the source as saved (editing), so that an empty token or
 * password field keeps the secret already in the keychain.
 */
export function formToRequest(form: SourceForm, kept: SourceInfo | null): FormResult {
  const errors: SourceFormErrors = {};
  const timeoutS = Number(form.timeoutS.trim());
  if (!form.timeoutS.trim() || !Number.isFinite(timeoutS)) errors.timeoutS = 'a number of seconds';
  const keychain = form.auth !== 'none' && form.secretIn === 'keychain';
  const source: Record<string, unknown> = {
    id: form.id.trim(),
    kind: 'prometheus',
    url: form.url.trim(),
    nodeLabel: form.nodeLabel.trim() || 'instance',
    timeoutMs: Math.round(timeoutS * 1000),
  };
  if (form.tenant.trim()) source.tenant = form.tenant.trim();
  if (form.caFile.trim()) source.caFile = form.caFile.trim();
  if (form.auth === 'bearer' && !keychain) source.bearerTokenFile = form.tokenFile.trim() || undefined;
  if (form.auth === 'basic') source.basic = { username: form.username.trim(), ...(keychain ? {} : { passwordFile: form.passwordFile.trim() || undefined }) };
  if (keychain) source.secret = 'keychain';

  const request: SourceSaveRequest = { source: source as PrometheusSourceConfig };
  const keptHere = keptSecretStands(kept, form);
  // Kept for this source, but another origin now: typed again, as the engine asks.
  const movedAway = kept !== null && !keptHere && keptSecretStands(kept, { ...form, url: kept.config.url });
  const enter = (what: string) => (movedAway ? `the URL now points to another server: enter the ${what} again` : `enter the ${what}`);
  if (keychain && form.auth === 'bearer') {
    if (form.token) request.token = form.token;
    else if (!keptHere) errors.token = enter('token');
  }
  if (keychain && form.auth === 'basic') {
    if (form.password) request.password = form.password;
    else if (!keptHere) errors.password = enter('password');
  }
  if (form.auth === 'bearer' && !keychain && !form.tokenFile.trim()) errors.tokenFile = 'the path of the file holding the token';
  if (form.auth === 'basic' && !keychain && !form.passwordFile.trim()) errors.passwordFile = 'the path of the file holding the password';

  const parsed = PrometheusSourceConfigSchema.safeParse(source);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = FIELD_OF[issue.path.join('.')] ?? FIELD_OF[String(issue.path[0])] ?? 'form';
      errors[field] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { ...request, source: parsed.success ? parsed.data : request.source } };
}
