/**
 * Why a dependency did not answer, in words an operator acts on: `unreachable` (down, wrong host or
 * port, a firewall), `authentication-failed` (the URL's user or password), `database-missing`, or
 * `starting` (Postgres still recovering). Anything else is `error`.
 */
export type FailureReason = 'unreachable' | 'authentication-failed' | 'database-missing' | 'starting' | 'error';

export interface DependencyFailure {
  reason: FailureReason;
  /** The client's own message (ioredis, pg): addresses and user names, never a password. */
  detail: string;
}

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
    case 'database-missing':
      return 'the database does not exist';
    case 'starting':
      return 'still starting up';
    case 'error':
      return 'not answering';
  }
}
