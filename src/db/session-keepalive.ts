import type pg from 'pg';

/**
 * TCP keepalive settings every gateway session asks of the Postgres server for its own connection.
 * A process that exits or crashes closes its sockets, and Postgres ends its sessions at once; a host
 * that vanishes (a network partition, a power cut, a VM or node gone) closes nothing, and an idle
 * session would wait for the OS defaults (Linux: 2 h, then 9 probes 75 s apart) before it ends.
 * Until a session ends, its locks stay: the reconciler's advisory lock (no other process could lead),
 * and the row and advisory locks of a transaction left open (writers of the same rows would wait).
 * With these, the server probes a session idle for 10 s every 5 s and ends it after 3 unanswered
 * probes, or once data it sent goes unacknowledged for 25 s: within about 25 s of its host vanishing.
 * Probes are answered by the client's kernel, so a busy process is never taken for a vanished one.
 * Over a Unix socket the server ignores them.
 */
export const sessionKeepalive = {
  tcp_keepalives_idle: 10,
  tcp_keepalives_interval: 5,
  tcp_keepalives_count: 3,
  tcp_user_timeout: 25_000,
} as const;

const settingsSql = `SELECT ${Object.keys(sessionKeepalive)
  .map((name, index) => `set_config('${name}', $${index + 1}, false)`)
  .join(', ')}`;

/**
 * Applies {@link sessionKeepalive} to a connected session. Never throws: a server without one of the
 * settings (`tcp_user_timeout` came with PostgreSQL 12) keeps working with its own; false then.
 */
export async function applySessionKeepalive(client: Pick<pg.ClientBase, 'query'>): Promise<boolean> {
  try {
    await client.query(settingsSql, Object.values(sessionKeepalive).map(String));
    return true;
  } catch {
    return false;
  }
}
