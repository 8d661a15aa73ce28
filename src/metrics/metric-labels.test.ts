import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config/gateway-config.ts';
import { createMetricLabels, statusClassOf } from './metric-labels.ts';

const config = parseGatewayConfig(
  {
    providers: { openai: { type: 'openai', apiKey: 'sk-test' }, mock: { type: 'mock' } },
    models: {
      fast: {
        routes: [
          { provider: 'openai', model: 'my-fine-tune' },
          { provider: 'mock', model: 'echo' },
        ],
      },
      alias: { routes: [{ alias: 'fast' }] },
    },
  },
  {},
);

describe('metric labels', () => {
  const labels = createMetricLabels(config);

  it('keeps configured model names and known provider/model names', () => {
    expect(labels.model('fast')).toBe('fast');
    expect(labels.model('alias')).toBe('alias');
    expect(labels.model('openai/gpt-4o-mini')).toBe('openai/gpt-4o-mini');
    expect(labels.model('openai/my-fine-tune')).toBe('openai/my-fine-tune');
  });

  it('folds anything a client made up into a bounded value', () => {
    expect(labels.model('openai/some-random-string-123')).toBe('openai/other');
    // A dated snapshot is served (the catalogue matches it by prefix), but it is still a client string.
    expect(labels.model('openai/gpt-4o-mini-2099-01-01')).toBe('openai/other');
    expect(labels.model('nobody/gpt-4o-mini')).toBe('other');
    expect(labels.model('no-such-model')).toBe('other');
    expect(labels.model('/x')).toBe('other');
    expect(labels.model('__proto__')).toBe('other');
  });

  it('bounds providers and upstream models by the config and the catalogue', () => {
    expect(labels.provider('openai')).toBe('openai');
    expect(labels.provider(null)).toBe('none');
    expect(labels.provider('someone-else')).toBe('other');
    expect(labels.upstreamModel('openai', 'gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(labels.upstreamModel('openai', 'my-fine-tune')).toBe('my-fine-tune');
    expect(labels.upstreamModel('mock', 'my-fine-tune')).toBe('other');
    expect(labels.upstreamModel('openai', 'made-up')).toBe('other');
    expect(labels.upstreamModel(null, null)).toBe('none');
  });

  it('gives HTTP status classes, or none', () => {
    expect([200, 401, 429, 502, null, 0, 999].map(statusClassOf)).toEqual(['2xx', '4xx', '4xx', '5xx', 'none', 'none', 'none']);
  });
});
