import { formatBytes } from './batch-results.ts';
import { formatTime } from './batch-format.ts';
import { formatCount, formatTable, formatUsd, type TableColumn } from './format-table.ts';
import type { ApiKey, ListedFile, Model } from './gateway-schemas.ts';

/** `keys list`: one row a key; a revoked key says when. */
export function formatKeyTable(keys: readonly ApiKey[]): string {
  const columns: TableColumn[] = [{ title: 'ID' }, { title: 'NAME' }, { title: 'PROJECT' }, { title: 'PREFIX' }, { title: 'CREATED' }, { title: 'STATUS' }];
  const rows = keys.map((key) => [key.id, key.name, key.project, key.key_prefix, formatTime(key.created_at), key.revoked_at === null ? 'active' : `revoked ${formatTime(key.revoked_at)}`]);
  return formatTable(columns, rows);
}

/** `files list`: one row a file. */
export function formatFileTable(files: readonly ListedFile[]): string {
  const columns: TableColumn[] = [{ title: 'ID' }, { title: 'PURPOSE' }, { title: 'SIZE', align: 'right' }, { title: 'CREATED' }, { title: 'FILENAME' }];
  const rows = files.map((file) => [file.id, file.purpose, formatBytes(file.bytes), formatTime(file.created_at), file.filename]);
  return formatTable(columns, rows);
}

const optionalCount = (value: number | null | undefined) => (value === null || value === undefined ? '–' : formatCount(value));

/** `models`: one row a model, with its limits and its prices in USD per million tokens when known. */
export function formatModelTable(models: readonly Model[]): string {
  const columns: TableColumn[] = [
    { title: 'MODEL' },
    { title: 'OWNED BY' },
    { title: 'CONTEXT', align: 'right' },
    { title: 'MAX OUTPUT', align: 'right' },
    { title: 'INPUT $/1M', align: 'right' },
    { title: 'CACHED $/1M', align: 'right' },
    { title: 'OUTPUT $/1M', align: 'right' },
  ];
  const rows = models.map((model) => [
    model.id,
    model.owned_by,
    optionalCount(model.context_window),
    optionalCount(model.max_output_tokens),
    model.pricing ? formatUsd(model.pricing.input_per_million) : '–',
    model.pricing?.cached_input_per_million ? formatUsd(model.pricing.cached_input_per_million) : '–',
    model.pricing ? formatUsd(model.pricing.output_per_million) : '–',
  ]);
  return formatTable(columns, rows);
}
