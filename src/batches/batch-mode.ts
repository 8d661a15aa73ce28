import { batchModeNames, type GatewayConfig } from '../config/gateway-config.ts';
import type { BatchMode } from '../db/schema/batches.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { OperationName } from '../operations/registry.ts';
import { nativeBatchOperations } from '../providers/provider-registry.ts';

export type { BatchMode };

/** The header that chooses a batch's mode, over `batches.mode`. */
export const batchModeHeader = 'x-gateway-batch-mode';

/** A provider's batch API runs a batch within 24 hours: a shorter window cannot wait for it. */
export const nativeBatchMinWindowMs = 24 * 3_600_000;

/** The `x-gateway-batch-mode` header → a mode (undefined when absent); any other value is a 400 naming the allowed ones. */
export function parseBatchModeHeader(value: string | string[] | undefined): BatchMode | undefined {
  if (value === undefined) return undefined;
  const given = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  if ((batchModeNames as readonly string[]).includes(given)) return given as BatchMode;
  throw new GatewayError({
    code: 'invalid_request_body',
    message: `${batchModeHeader}: '${String(value).slice(0, 40)}' is not a batch mode; use one of ${batchModeNames.join(', ')}.`,
    param: batchModeHeader,
  });
}

/**
 * Why a line whose first route is on `provider` cannot go to a batch API, or undefined when it can: the
 * provider has `nativeBatch.enabled` and its batch API takes the line's operation. Pure data: the API
 * process answers it without a client.
 */
export function nativeBatchRefusal(config: GatewayConfig, provider: string, operation: OperationName): string | undefined {
  const settings = Object.hasOwn(config.providers, provider) ? config.providers[provider] : undefined;
  if (!settings) return `provider '${provider}' is not configured`;
  const operations = nativeBatchOperations(settings);
  if (operations.length === 0) return `provider '${provider}' (type ${settings.type}) has no batch API`;
  if (!operations.includes(operation)) return `the batch API of provider '${provider}' (type ${settings.type}) does not take ${operation}`;
  if (!settings.nativeBatch?.enabled) return `provider '${provider}' does not have nativeBatch.enabled`;
  return undefined;
}

/** Where one line of a batch runs, given the batch's mode and window: its provider's batch API or the gateway's workers. */
export function lineRunsNatively(options: { config: GatewayConfig; mode: BatchMode; windowMs: number; provider: string; operation: OperationName }): boolean {
  if (options.mode === 'gateway' || options.windowMs < nativeBatchMinWindowMs) return false;
  return nativeBatchRefusal(options.config, options.provider, options.operation) === undefined;
}
