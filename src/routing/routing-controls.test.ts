import { describe, expect, it } from 'vitest';
import { readRoutingControls } from './routing-controls.ts';

const request = { model: 'm', messages: [] };

describe('readRoutingControls', () => {
  it('defaults to fallback on and no pin, leaving the request as it is', () => {
    const controls = readRoutingControls({ headers: {}, request });
    expect(controls).toEqual({ ok: true, request, pin: undefined, noFallback: false });
    expect(controls.ok && controls.request).toBe(request);
  });

  it.each(['off', 'OFF', 'false', '0', 'no', ' off '])('turns fallback off with %j', (value) => {
    expect(readRoutingControls({ headers: { 'x-gateway-fallback': value }, request })).toMatchObject({ ok: true, noFallback: true });
  });

  it.each(['on', 'true', '1', 'yes'])('keeps fallback on with %j', (value) => {
    expect(readRoutingControls({ headers: { 'x-gateway-fallback': value }, request })).toMatchObject({ ok: true, noFallback: false });
  });

  it('refuses a fallback value it cannot read, naming the header', () => {
    expect(readRoutingControls({ headers: { 'x-gateway-fallback': 'maybe' }, request })).toMatchObject({ ok: false, param: 'x-gateway-fallback' });
  });

  it('pins with the header, or with a string body provider that it removes', () => {
    expect(readRoutingControls({ headers: { 'x-gateway-provider': 'openai' }, request })).toMatchObject({ ok: true, pin: 'openai', request });
    const pinned = readRoutingControls({ headers: {}, request: { ...request, provider: 'openai', temperature: 1 } });
    expect(pinned).toEqual({ ok: true, pin: 'openai', noFallback: false, request: { ...request, temperature: 1 } });
  });

  it('leaves an object provider (OpenRouter’s preferences) in the body and pins nothing', () => {
    const preferences = { order: ['anthropic'] };
    expect(readRoutingControls({ headers: {}, request: { ...request, provider: preferences } })).toEqual({
      ok: true,
      pin: undefined,
      noFallback: false,
      request: { ...request, provider: preferences },
    });
  });

  it('refuses a header and body pin that disagree, and accepts them agreeing', () => {
    expect(readRoutingControls({ headers: { 'x-gateway-provider': 'a' }, request: { ...request, provider: 'b' } })).toMatchObject({ ok: false, param: 'provider' });
    expect(readRoutingControls({ headers: { 'x-gateway-provider': 'a' }, request: { ...request, provider: 'a' } })).toMatchObject({ ok: true, pin: 'a', request });
  });
});
