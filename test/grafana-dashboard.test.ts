import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, type Exposition } from './support/prometheus-text.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

const dashboardPath = resolve(import.meta.dirname, '../deploy/grafana/llm-gateway-dashboard.json');
const histogramSeries = /_(bucket|sum|count)$/;

/**
 * What a dashboard's queries name that the gateway does not export: metric names with no `# TYPE`
 * line, and labels (in `by (…)` and `{…}`) that no sample of that metric carries. Labels are checked
 * for metrics that have samples; `labelsChecked` says for how many.
 */
function unknownReferences(dashboard: Dashboard, exposition: Exposition): { problems: string[]; labelsChecked: Set<string> } {
  const problems: string[] = [];
  const labelsChecked = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      const names = [...expr.matchAll(/\bgateway_[a-z_]+/g)].map(([name]) => name);
      const labels = new Set([...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap(([, list]) => (list ?? '').split(',').map((label) => label.trim())));
      for (const [, label] of expr.matchAll(/[{,]\s*([a-z_]+)\s*=~?/g)) if (label) labels.add(label);
      for (const series of names) {
        const family = exposition.types.has(series) ? series : series.replace(histogramSeries, '');
        if (!exposition.types.has(family)) {
          problems.push(`${panel.title}: ${series} is not exported`);
          continue;
        }
        const samples = exposition.samples.filter((sample) => sample.name === series || sample.name.startsWith(`${family}_`) || sample.name === family);
        if (samples.length === 0) continue;
        labelsChecked.add(family);
        const carried = new Set(samples.flatMap((sample) => Object.keys(sample.labels)));
        for (const label of labels) if (!carried.has(label)) problems.push(`${panel.title}: ${family} has no label ${label}`);
      }
    }
  }
  return { problems, labelsChecked };
}

/** The Grafana dashboard in deploy/ against what a running gateway exports. */
describe('deploy/grafana/llm-gateway-dashboard.json', () => {
  let harness: TestGateway;
  let exposition: Exposition;
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        providers: { mock: { type: 'mock' } },
        models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] }, 'mock-cached': { routes: [{ provider: 'mock', model: 'echo' }], cache: { enabled: true } } },
      },
    });
    const { key } = await harness.createKey('grafana');
    // Traffic that gives most families samples: calls, a cache miss and hit, a refusal.
    expect((await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] }, key)).status).toBe(200);
    for (let index = 0; index < 2; index += 1)
      expect((await postJson(`${harness.url}/v1/chat/completions`, { model: 'mock-cached', messages: [{ role: 'user', content: 'same' }] }, key)).status).toBe(200);
    expect((await postJson(`${harness.url}/v1/chat/completions`, { model: 'no-such-model', messages: [] }, key)).status).toBe(400);
    // Cache hits are recorded behind their answers: wait until the hit is counted.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
      exposition = parseExposition(await response.text());
      if (exposition.samples.some((sample) => sample.name === 'gateway_cache_lookups_total' && sample.labels['result'] === 'hit')) break;
      await sleep(50);
    }
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('queries only metrics and labels the gateway exports', () => {
    const { problems, labelsChecked } = unknownReferences(dashboard, exposition);
    expect(problems).toEqual([]);
    // The labels were checked against samples for most families, not skipped.
    expect(labelsChecked.size).toBeGreaterThanOrEqual(9);
  });

  it('finds a misspelt metric and a label that does not exist (the check above can fail)', () => {
    const broken: Dashboard = {
      panels: [
        { title: 'typo', targets: [{ expr: 'sum(rate(gateway_request_total[5m]))' }] },
        { title: 'label', targets: [{ expr: 'sum by (tenant) (rate(gateway_requests_total[5m]))' }] },
      ],
    };
    expect(unknownReferences(broken, exposition).problems).toEqual(['typo: gateway_request_total is not exported', 'label: gateway_requests_total has no label tenant']);
  });

  it('is a dashboard Grafana imports: a uid, a Prometheus data source variable, every panel on it', () => {
    const raw = JSON.parse(readFileSync(dashboardPath, 'utf8')) as {
      uid: string;
      templating: { list: Array<{ name: string; type: string; query: string }> };
      panels: Array<{ id: number; datasource: { uid: string }; targets: Array<{ datasource: { uid: string } }> }>;
    };
    expect(raw.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(raw.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(new Set(raw.panels.map((panel) => panel.id)).size).toBe(raw.panels.length);
    for (const panel of raw.panels) {
      expect(panel.datasource.uid).toBe('${datasource}');
      for (const target of panel.targets) expect(target.datasource.uid).toBe('${datasource}');
    }
  });
});
