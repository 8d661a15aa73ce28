/**
 * The pages of a reconcile scan, in keyset order (`cursor` is the last row's key as text): each page
 * asks for the rows after the previous one's last, so a scan over a big backlog holds one page at a
 * time and is never confused by rows that settle meanwhile. Stops after a short page, or as soon as the
 * pass no longer leads.
 */
export async function* keysetPages<Row extends { cursor: string }>(options: {
  pageSize: number;
  fetch: (after: string | undefined) => Promise<Row[]>;
  stillLeader: () => Promise<boolean>;
}): AsyncGenerator<Row[]> {
  let after: string | undefined;
  for (;;) {
    if (!(await options.stillLeader())) return;
    const rows = await options.fetch(after);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < options.pageSize) return;
    after = rows[rows.length - 1]?.cursor;
  }
}
