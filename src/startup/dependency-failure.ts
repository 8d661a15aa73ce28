/**
 * Why a dependency did not answer, in words an operator acts on: `unreachable` (down, wrong host or
 * port, a firewall), `authentication-failed` (the URL's user or password), `tls-failed` (a
 * certificate not trusted or not matching the host), `database-missing`, `starting` (Postgres still
 * recovering), or `cluster-down` (a Redis Cluster that cannot serve every slot). Anything else is `error`.
 */
export type FailureReason = 'unreachable' | 'authentication-failed' | 'tls-failed' | 'database-missing' | 'starting' | 'cluster-down' | 'error';

export interface DependencyFailure {
  reason: FailureReason;
  /** The client's own message (ioredis, pg): addresses and user names, never a password. */
  detail: string;
}

/** Node's TLS verification failures (`tls.connect`): the certificate, its chain, its host name. */
const tlsCodes =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_REJECTED|ERR_SSL_.*)$/;

const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ENOENT']);
/** Postgres SQLSTATEs: invalid_password, invalid_authorization_specification; invalid_catalog_name; cannot_connect_now. */
const authenticationStates = new Set(['28P01', '28000']);

export function describeFailure(error: unknown): DependencyFailure {
  if (!(error instanceof Error)) return { reason: 'error', detail: String(error) };
  const detail = error.message || error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (authenticationStates.has(code)) return { reason: 'authentication-failed', detail };
    if (code === '3D000') return { reason: 'database-missing', detail };
    if (code === '57P03') return { reason: 'starting', detail };
    if (unreachableCodes.has(code)) return { reason: 'unreachable', detail };
    if (tlsCodes.test(code)) return { reason: 'tls-failed', detail };
    if (code === 'CLUSTERDOWN') return { reason: 'cluster-down', detail };
  }
  // Redis answers AUTH and commands sent without it with these reply prefixes.
  if (/\b(WRONGPASS|NOAUTH)\b|invalid password/i.test(detail)) return { reason: 'authentication-failed', detail };
  if (/timeout|timed out|ECONNREFUSED|Connection is closed|Connection terminated/i.test(detail)) return { reason: 'unreachable', detail };
  return { reason: 'error', detail };
}

/** What a reason means, for the log line. */
export function failureSummary(reason: FailureReason): string {
  switch (reason) {
    case 'unreachable':
      return 'unreachable';
    case 'authentication-failed':
      return 'authentication failed (check the user and password in the URL)';
    case 'tls-failed':
      return "TLS failed: the server's certificate is not trusted (give Node its CA with NODE_EXTRA_CA_CERTS) or does not name the host";
    case 'cluster-down':
      return 'the Redis Cluster cannot serve every slot';
    case 'database-missing':
      return 'the database does not exist';
    case 'starting':
      return 'still starting up';
    case 'error':
      return 'not answering';
  }
}
