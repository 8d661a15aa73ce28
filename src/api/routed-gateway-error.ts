import { GatewayError, type GatewayErrorPayload } from '../errors/gateway-error.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';

/** A failed request's error, with the fallback trail that led to it (for the response headers). */
export class RoutedGatewayError extends GatewayError {
  readonly trail: RouteAttempt[];

  constructor(payload: GatewayErrorPayload, trail: RouteAttempt[] | undefined) {
    super(payload);
    this.trail = trail ?? [];
  }
}
