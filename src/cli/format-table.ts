/** A column of a plain-text table: numbers read best aligned right. */
export interface TableColumn {
  title: string;
  /** @defaultValue 'left' */
  align?: 'left' | 'right';
}

/**
 * Rows under a header, columns two spaces apart, padded to their widest cell; no trailing spaces, so
 * `grep`, `awk` and `column` read it as they would `ps` or `kubectl get`.
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const header = columns.map((column) => column.title);
  const widths = columns.map((column, index) => Math.max(column.title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? '';
        return column.align === 'right' ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!);
      })
      .join('  ')
      .trimEnd();
  return [header, ...rows].map(line).join('\n');
}

/** `1,234,567`. */
export const formatCount = (value: number): string => value.toLocaleString('en-US');

/**
 * A USD decimal string as the gateway sends it (`"0.0012500000"`), shown without float rounding:
 * trailing zeros dropped, at least cents kept (`0.00125`, `12.50`, `0.00`).
 */
export function formatUsd(decimal: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(decimal.trim());
  if (!match) return decimal;
  const [, sign = '', whole = '', fraction = ''] = match;
  const digits = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole === '' ? '0' : formatCount(Number(whole))}.${digits}`;
}
