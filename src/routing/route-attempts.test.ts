import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors/provider-error.ts';
import { completedAttempt, countCalls, deprecationHeaders, describeChainFailure, failedAttempt, routeTrailHeaders, skippedAttempt, spansSeveralRoutes } from './route-attempts.ts';

const route = (provider: string, upstreamModel = 'gpt-4o-mini') => ({ provider, upstreamModel, pricing: { inputPerMillion: '0', outputPerMillion: '0' } });

describe('route attempts', () => {
  const trail = [
    skippedAttempt(route('down'), 'circuit_open'),
    failedAttempt(route('openai'), new ProviderError({ provider: 'openai', status: 503, code: 'server_error', message: 'overloaded' }), 12),
    failedAttempt(route('openai'), new ProviderError({ provider: 'openai', code: 'ECONNRESET', message: 'socket hang up' }), 3),
    completedAttempt(route('backup', 'gpt-4o'), 40),
  ];

  it('counts calls, not skipped routes', () => {
    expect(countCalls(trail)).toBe(3);
    expect(spansSeveralRoutes(trail)).toBe(true);
    expect(spansSeveralRoutes(trail.slice(1, 3))).toBe(false);
  });

  it('names the serving route and the calls in headers', () => {
    expect(routeTrailHeaders(trail)).toEqual({ 'x-gateway-route': 'backup/gpt-4o', 'x-gateway-attempts': '3' });
    expect(routeTrailHeaders([trail[0]!])).toEqual({ 'x-gateway-route': 'down/gpt-4o-mini', 'x-gateway-attempts': '0' });
    expect(routeTrailHeaders([])).toEqual({});
  });

  it('keeps a header printable whatever model a client names', () => {
    expect(routeTrailHeaders([completedAttempt(route('openai', 'mödel\n'), 1)])['x-gateway-route']).toBe('openai/m%C3%B6del%0A');
  });

  it('lists every attempt in a chain failure, then the last message', () => {
    expect(describeChainFailure({ model: 'chat', trail: trail.slice(0, 3), lastMessage: 'socket hang up' })).toBe(
      "Every route of 'chat' failed: 1) down/gpt-4o-mini: skipped (circuit breaker open); 2) openai/gpt-4o-mini: HTTP 503 server_error; " +
        '3) openai/gpt-4o-mini: no answer (ECONNRESET). Last error: socket hang up',
    );
  });
});

describe('deprecationHeaders', () => {
  it('names the deprecated route, with Sunset as an HTTP date when the day is known', () => {
    expect(deprecationHeaders({ ...route('openai'), deprecated: { sunsetDate: '2027-02-27' } })).toEqual({
      'x-gateway-model-deprecated': 'openai/gpt-4o-mini',
      sunset: 'Sat, 27 Feb 2027 00:00:00 GMT',
    });
    expect(deprecationHeaders({ ...route('openai'), deprecated: {} })).toEqual({ 'x-gateway-model-deprecated': 'openai/gpt-4o-mini' });
  });

  it('says nothing for a route that is not deprecated, or none', () => {
    expect(deprecationHeaders(route('openai'))).toEqual({});
    expect(deprecationHeaders(undefined)).toEqual({});
  });
});
