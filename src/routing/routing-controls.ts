/** Turns fallback off for one request: `off` (also `false`, `0`, `no`); `on` is the default. */
export const fallbackHeader = 'x-gateway-fallback';
/** Sends one request only to routes on this provider (same as a string body field `provider`). */
export const providerHeader = 'x-gateway-provider';

export type HeaderValues = Readonly<Record<string, string | string[] | undefined>>;

export type RoutingControls<Request> =
  | {
      ok: true;
      /** The request without the gateway's own `provider` field, as the provider must see it. */
      request: Request;
      pin: string | undefined;
      noFallback: boolean;
    }
  | { ok: false; param: string; message: string };

const offValues = new Set(['off', 'false', '0', 'no']);
const onValues = new Set(['on', 'true', '1', 'yes']);

function single(headers: HeaderValues, name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/**
 * A request's routing controls, from its headers (and a string `provider` in the body, which is then
 * removed: it is ours, not the provider's). An object `provider` is left alone — OpenRouter's own
 * routing preferences travel in that field.
 */
export function readRoutingControls<Request extends Record<string, unknown>>(options: { headers: HeaderValues; request: Request }): RoutingControls<Request> {
  const fallback = single(options.headers, fallbackHeader)?.toLowerCase();
  if (fallback !== undefined && !offValues.has(fallback) && !onValues.has(fallback)) {
    return { ok: false, param: fallbackHeader, message: `The ${fallbackHeader} header must be 'on' or 'off', not '${fallback.slice(0, 40)}'.` };
  }
  const headerPin = single(options.headers, providerHeader) || undefined;
  const { provider: bodyProvider, ...withoutProvider } = options.request;
  const bodyPin = typeof bodyProvider === 'string' ? bodyProvider.trim() || undefined : undefined;
  if (headerPin !== undefined && bodyPin !== undefined && headerPin !== bodyPin) {
    return { ok: false, param: 'provider', message: `The ${providerHeader} header ('${headerPin}') and the body's provider ('${bodyPin}') disagree; send one.` };
  }
  const request = typeof bodyProvider === 'string' ? (withoutProvider as Request) : options.request;
  return { ok: true, request, pin: headerPin ?? bodyPin, noFallback: fallback !== undefined && offValues.has(fallback) };
}
