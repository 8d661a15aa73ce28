import type { GatewayConfig } from '../config/gateway-config.ts';
import { isAliasRoute } from '../config/routing-config.ts';
import { catalogueModelsOf } from '../routing/find-model.ts';

/** The label value standing for anything outside the bounded set (a client's made-up model name). */
export const otherLabel = 'other';

/** The label value of a request no provider was tried for (refused before routing). */
export const noneLabel = 'none';

/**
 * Label values that stay bounded whatever clients send. A client may name any model
 * (`provider/<anything>`), and each distinct label value is a new time series kept in memory by
 * this process and by Prometheus, so only names the operator wrote (config models and routes) or
 * the built-in catalogue holds are used as they are; everything else is folded into `other`.
 */
export interface MetricLabels {
  /** A model the client asked for: a configured name, a known `provider/model`, else `<provider>/other` or `other`. */
  model(model: string): string;
  /** A provider: a configured name, `none` when none was tried, else `other`. */
  provider(provider: string | null): string;
  /** An upstream model of a provider: one of its configured routes or catalogue ids, else `other`. */
  upstreamModel(provider: string | null, upstreamModel: string | null): string;
}

export function createMetricLabels(config: GatewayConfig): MetricLabels {
  // Upstream model ids each provider may be labelled with: its configured routes and its catalogue.
  const knownUpstream = new Map<string, Set<string>>();
  for (const [name, provider] of Object.entries(config.providers)) {
    knownUpstream.set(name, new Set(catalogueModelsOf({ providerType: provider.type }).map((definition) => definition.id)));
  }
  for (const model of Object.values(config.models)) {
    for (const route of model.routes) {
      if (!isAliasRoute(route)) knownUpstream.get(route.provider)?.add(route.model);
    }
  }
  const isKnownUpstream = (provider: string, upstreamModel: string) => knownUpstream.get(provider)?.has(upstreamModel) ?? false;

  return {
    model(model) {
      if (Object.hasOwn(config.models, model)) return model;
      const slash = model.indexOf('/');
      if (slash <= 0) return otherLabel;
      const provider = model.slice(0, slash);
      if (!knownUpstream.has(provider)) return otherLabel;
      return isKnownUpstream(provider, model.slice(slash + 1)) ? model : `${provider}/${otherLabel}`;
    },
    provider(provider) {
      if (provider === null) return noneLabel;
      return knownUpstream.has(provider) ? provider : otherLabel;
    },
    upstreamModel(provider, upstreamModel) {
      if (provider === null || upstreamModel === null) return noneLabel;
      return isKnownUpstream(provider, upstreamModel) ? upstreamModel : otherLabel;
    },
  };
}

/** `2xx`, `4xx`, `5xx`…, or `none` when no HTTP status was recorded (a cancelled or expired batch line). */
export function statusClassOf(statusCode: number | null): string {
  if (statusCode === null || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return noneLabel;
  return `${Math.floor(statusCode / 100)}xx`;
}
