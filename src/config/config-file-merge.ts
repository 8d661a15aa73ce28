import { builtInConfig } from './built-in-config.ts';
import { applyMergePatch, isJsonObject } from './merge-patch.ts';

export interface ConfigFileMerge {
  /** The file laid over the built-in configuration, not yet interpolated or validated. */
  raw: unknown;
  /**
   * `kept`: the file names no provider or model of its own, so the built-in mock provider and its
   * models stay (patched by the file where it names them). `left-out`: they are not served.
   */
  builtIns: 'kept' | 'left-out';
}

/**
 * A `GATEWAY_CONFIG` file as an RFC 7396 merge patch over the built-in configuration: a file that
 * only sets `webhooks.allowHosts` keeps the mock provider and its models. The demo entries stay only
 * while the file names no provider or model of its own: a production file that declares `openai` and
 * `gpt-4o` must not also serve mock models. Naming a built-in entry (`providers.mock`,
 * `models.mock-echo`) patches it; `null` removes it.
 */
export function mergeOverBuiltInConfig(file: unknown): ConfigFileMerge {
  // An empty document patches nothing (RFC 7396 would make `null` the whole result).
  const patch = file ?? {};
  const builtIns = namesOwnEntries(patch) ? 'left-out' : 'kept';
  // Without the demo, `providers` starts empty: a file with models only then hears which provider
  // its routes miss, not that `providers` is required.
  return { raw: applyMergePatch(builtIns === 'kept' ? builtInConfig : { providers: {} }, patch), builtIns };
}

function namesOwnEntries(file: unknown): boolean {
  if (!isJsonObject(file)) return false;
  const own = (section: 'providers' | 'models') => {
    const entries = file[section];
    const builtIn: Record<string, unknown> = builtInConfig[section];
    return isJsonObject(entries) && Object.entries(entries).some(([name, value]) => value !== null && !Object.hasOwn(builtIn, name));
  };
  return own('providers') || own('models');
}

/** What an operator reads at start about the built-in entries. */
export function describeBuiltIns(builtIns: ConfigFileMerge['builtIns']): string {
  const models = Object.keys(builtInConfig.models).join(', ');
  return builtIns === 'kept'
    ? `GATEWAY_CONFIG names no provider or model of its own: serving the built-in mock provider (models ${models}) with it`
    : `GATEWAY_CONFIG names providers or models of its own: the built-in mock provider (models ${models}) is left out`;
}
