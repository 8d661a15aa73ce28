import { bindRequest } from '../operations/registry.ts';
import { describe, expect, it } from 'vitest';
import type { ChatResult, ProviderClient } from '../providers/provider-client.ts';
import { ProviderError } from '../errors/provider-error.ts';
import type { BreakerKey, CircuitBreakers } from '../routing/circuit-breaker-types.ts';
import { callWithRetries, type CallWithRetriesOptions } from './call-with-retries.ts';

const route = (provider: string) => ({ provider, upstreamModel: 'm', pricing: { inputPerMillion: '0', outputPerMillion: '0' } });
const result = { completion: { id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [] }, usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } } as unknown as ChatResult;

/** A client answering from a script: an error to throw, or 'ok'. */
function scripted(name: string, answers: Array<ProviderError | 'ok'>): ProviderClient & { calls: number } {
  const client = {
    name,
    type: 'openai',
    calls: 0,
    async chat() {
      const answer = answers[client.calls] ?? 'ok';
      client.calls += 1;
      if (answer !== 'ok') throw answer;
      return result;
    },
    chatStream: () => Promise.reject(new Error('batch lines are never streamed')),
    close: async () => {},
  };
  return client;
}

function options(clients: Record<string, ProviderClient>, extra: Partial<CallWithRetriesOptions> = {}): CallWithRetriesOptions {
  return {
    routes: Object.keys(clients).map(route),
    providerOf: (name) => (clients[name] ? { client: clients[name], maxAttempts: 2, retryBaseDelayMs: 1 } : undefined),
    request: bindRequest({ operation: 'chat', request: { model: 'chat', messages: [{ role: 'user', content: 'hi' }] } }),
    requestId: 'req_1',
    limitFor: () => (task) => task(),
    random: () => 0,
    ...extra,
  };
}

const unavailable = (provider: string) => new ProviderError({ provider, status: 503, message: 'down' });

describe('callWithRetries over a batch line’s routes', () => {
  it('retries a route, then falls back to the next, keeping the trail', async () => {
    const first = scripted('first', [unavailable('first'), unavailable('first')]);
    const second = scripted('second', ['ok']);
    const outcome = await callWithRetries(options({ first, second }));
    expect(outcome.ok).toBe(true);
    expect(outcome).toMatchObject({ route: { provider: 'second' }, attempts: 3 });
    expect(outcome.trail.map((attempt) => [attempt.provider, attempt.outcome, attempt.status])).toEqual([
      ['first', 'failed', 503],
      ['first', 'failed', 503],
      ['second', 'completed', 200],
    ]);
  });

  it('fails a client error at once, on the route that answered it', async () => {
    const first = scripted('first', [new ProviderError({ provider: 'first', status: 400, message: 'bad' })]);
    const second = scripted('second', ['ok']);
    const outcome = await callWithRetries(options({ first, second }));
    expect(outcome).toMatchObject({ ok: false, attempts: 1, route: { provider: 'first' } });
    expect(second.calls).toBe(0);
  });

  it('passes over a route whose breaker is open and counts each call’s outcome', async () => {
    const recorded: Array<[string, string]> = [];
    const breakers: CircuitBreakers = {
      allows: async (key: BreakerKey) => key.provider !== 'first',
      record: async (key, outcome) => void recorded.push([key.provider, outcome]),
      list: async () => [],
    };
    const first = scripted('first', []);
    const second = scripted('second', [unavailable('second'), 'ok']);
    const outcome = await callWithRetries(options({ first, second }, { signals: { breakers } }));
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(first.calls).toBe(0);
    expect(outcome.trail[0]).toMatchObject({ provider: 'first', outcome: 'skipped', code: 'circuit_open' });
    expect(recorded).toEqual([
      ['second', 'failure'],
      ['second', 'success'],
    ]);
  });

  it('waits while every breaker is open (waitWhileOpen), then calls once one lets it through', async () => {
    let checks = 0;
    const breakers: CircuitBreakers = { allows: async () => (checks += 1) > 2, record: async () => {}, list: async () => [] };
    const only = scripted('only', ['ok']);
    const outcome = await callWithRetries(options({ only }, { signals: { breakers }, waitWhileOpen: true }));
    expect(outcome.ok).toBe(true);
    expect(checks).toBe(3);
  });

  it('gives up waiting when the batch stops, and fails at once without waitWhileOpen', async () => {
    const breakers: CircuitBreakers = { allows: async () => false, record: async () => {}, list: async () => [] };
    const only = scripted('only', []);
    const stopped = await callWithRetries(options({ only }, { signals: { breakers }, waitWhileOpen: true, shouldStop: async () => true }));
    expect(stopped).toMatchObject({ ok: false, attempts: 0, error: { code: 'circuit_open' } });
    const failed = await callWithRetries(options({ only }, { signals: { breakers } }));
    expect(failed).toMatchObject({ ok: false, attempts: 0 });
    expect(only.calls).toBe(0);
  });
});
