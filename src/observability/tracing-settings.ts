/** The OTLP encodings the gateway exports traces in (`OTEL_EXPORTER_OTLP_PROTOCOL`). */
export const otlpProtocols = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof otlpProtocols)[number];

export type TracingSettings =
  | {
      enabled: false;
      /** Why, for the start-up log line (absent when nothing asked for traces: no line at all). */
      reason?: string;
      warnings: string[];
    }
  | {
      enabled: true;
      protocol: OtlpProtocol;
      /** Where spans are sent, as the exporter works it out from the same variables: for log lines. */
      endpoint: string;
      warnings: string[];
      /** Values of `OTEL_EXPORTER_OTLP_*HEADERS` (tokens, API keys): censored from every log line. */
      secrets: string[];
    };

/** The OpenTelemetry SDK's default for `http/*` when no endpoint is set. */
const defaultEndpoint = 'http://localhost:4318';

/**
 * Whether and how to export traces, from the standard `OTEL_*` variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), with one
 * difference on purpose: tracing is off until something asks for it — an OTLP endpoint, or
 * `OTEL_TRACES_EXPORTER=otlp` — where the spec's default would export to localhost. `OTEL_SDK_DISABLED=true`
 * or `OTEL_TRACES_EXPORTER=none` turn it off whatever else is set. Values the gateway cannot honour
 * are warnings, never a refusal to start: tracing must not take the gateway down.
 *
 * The SDK reads the rest itself: the endpoint and headers (the exporter), the sampler
 * (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`), the resource (`OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`), span limits and the batch processor's `OTEL_BSP_*`.
 */
export function readTracingSettings(source: NodeJS.ProcessEnv): TracingSettings {
  const env = (name: string): string | undefined => {
    const value = source[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const warnings: string[] = [];
  if (env('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { enabled: false, reason: 'OTEL_SDK_DISABLED is true', warnings };

  const exporters = env('OTEL_TRACES_EXPORTER')
    ?.split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const tracesEndpoint = env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = env('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (exporters?.includes('none')) return { enabled: false, reason: 'OTEL_TRACES_EXPORTER is none', warnings };
  if (exporters !== undefined) {
    const unsupported = exporters.filter((name) => name !== 'otlp');
    if (unsupported.length > 0) warnings.push(`OTEL_TRACES_EXPORTER: ${unsupported.join(', ')} not supported (only otlp); ignored`);
    if (!exporters.includes('otlp')) return { enabled: false, reason: 'OTEL_TRACES_EXPORTER names no otlp exporter', warnings };
  } else if (tracesEndpoint === undefined && endpoint === undefined) {
    return { enabled: false, warnings };
  }

  const protocolVariable = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') === undefined ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL';
  const asked = env(protocolVariable);
  let protocol: OtlpProtocol = 'http/protobuf';
  if (asked === 'grpc') {
    warnings.push(`${protocolVariable}: grpc is not supported; set http/protobuf or http/json (a collector's port 4318)`);
    return { enabled: false, reason: `${protocolVariable} is grpc`, warnings };
  } else if (asked !== undefined && (otlpProtocols as readonly string[]).includes(asked)) {
    protocol = asked as OtlpProtocol;
  } else if (asked !== undefined) {
    warnings.push(`${protocolVariable}: '${asked}' is not one of ${otlpProtocols.join(', ')}; using http/protobuf`);
  }

  return {
    enabled: true,
    protocol,
    endpoint: tracesEndpoint ?? `${(endpoint ?? defaultEndpoint).replace(/\/+$/, '')}/v1/traces`,
    warnings,
    secrets: [env('OTEL_EXPORTER_OTLP_HEADERS'), env('OTEL_EXPORTER_OTLP_TRACES_HEADERS')].flatMap(headerValues),
  };
}

/** The values of a `key1=value1,key2=value2` header list (W3C Baggage syntax, values URL-encoded). */
function headerValues(list: string | undefined): string[] {
  if (list === undefined) return [];
  return list.split(',').flatMap((pair) => {
    const at = pair.indexOf('=');
    if (at < 0) return [];
    const value = pair.slice(at + 1).trim();
    try {
      return [decodeURIComponent(value), value];
    } catch {
      return [value];
    }
  });
}
