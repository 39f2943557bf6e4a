/**
 * Errors from a Prometheus-compatible HTTP API, classified so that a test-connection action and
 * a node's status can say what is wrong in words a user can act on. Messages name the URL
 * without credentials, query or fragment, and never carry a token or password.
 */

export type PrometheusErrorKind =
  /** Refused, unknown host, network down, or no answer within the timeout. */
  | 'unreachable'
  /** 401 or 403: missing or wrong credentials. */
  | 'unauthorized'
  /** Something answered, but not the Prometheus API (an HTML page, a 404, malformed JSON). */
  | 'not-prometheus'
  /** TLS failed: self-signed, unknown CA, expired, wrong host name, not TLS at all. */
  | 'tls'
  /** 5xx: the engine failed (its own error text when it gave one). */
  | 'server-error'
  /** 400/422: the engine rejected the query (bad PromQL, execution error). */
  | 'query-error'
  /** The answer was larger than the configured bound. */
  | 'too-large';

export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
    /** A short machine-readable reason: ECONNREFUSED, timeout, DEPTH_ZERO_SELF_SIGNED_CERT, 401... */
    readonly reason: string,
    /** The HTTP status when there was an answer. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** The URL as it may be shown or logged: no userinfo, no query, no fragment. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
};

const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed (give its CA)',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate in the chain (give the CA)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate cannot be verified (unknown issuer: give the CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is unknown (give the CA)',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate issuer is unknown (give the CA)',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not for this host name',
  CERT_SIGNATURE_FAILURE: 'the certificate signature is invalid',
  CERT_REVOKED: 'the certificate is revoked',
};

/** A network or TLS error from node:http(s), classified. */
export function classifyNetworkError(error: unknown, where: string): PrometheusError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const text = error instanceof Error ? error.message : String(error);
  if (code in TLS_CODES) return new PrometheusError('tls', `TLS error at ${where}: ${TLS_CODES[code]}`, code);
  // OpenSSL's own failures (EPROTO), and a peer that hangs up mid-handshake.
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1];
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || openssl || /before secure TLS connection/.test(text)) {
    const reason = openssl ?? (/before secure TLS connection/.test(text) ? 'the server closed the connection during the TLS handshake' : text);
    const hint = /wrong version number|packet length too long/.test(reason) ? ' (is it plain HTTP?)' : '';
    return new PrometheusError('tls', `TLS error at ${where}: ${reason}${hint}`, code || 'tls');
  }
  if (code in UNREACHABLE_CODES) return new PrometheusError('unreachable', `${where} is unreachable: ${UNREACHABLE_CODES[code]}`, code);
  return new PrometheusError('unreachable', `${where} is unreachable: ${text}`, code || 'network');
}
