import { describe, expect, it } from 'vitest';
import { recordOutcomesParameters, recordOutcomesSql } from './record-outcomes-sql.ts';
import type { RequestOutcome } from './request-outcome.ts';

const outcome = (fields: Partial<RequestOutcome>): RequestOutcome => ({
  requestId: 'req_1',
  kind: 'sync',
  format: 'chat',
  projectId: 'proj_1',
  apiKeyId: 'key_1',
  model: 'gpt',
  provider: 'openai',
  upstreamModel: 'gpt-6.2-sol',
  attempts: 1,
  status: 'completed',
  statusCode: 200,
  acceptedAt: new Date('2024-06-01T10:00:00Z'),
  startedAt: new Date('2024-06-01T10:00:01Z'),
  completedAt: new Date('2024-06-01T10:00:02Z'),
  ...fields,
});

describe('recordOutcomesParameters', () => {
  it('gives one array per placeholder of the statement', () => {
    const placeholders = new Set(recordOutcomesSql.match(/\$\d+/g));
    expect(recordOutcomesParameters([outcome({})])).toHaveLength(placeholders.size);
  });

  it("carries each outcome's format and routing rule, and its warnings as one list (none stored as null)", () => {
    const parameters = recordOutcomesParameters([
      outcome({ format: 'messages', routingRule: 'short', warnings: ['service_tier was dropped', 'top_k was not sent'] }),
      outcome({ requestId: 'req_2', format: 'embeddings', operation: 'embeddings', warnings: [] }),
    ]);
    expect(parameters.at(-2)).toEqual(['messages', 'embeddings']);
    expect(parameters.at(-1)).toEqual(['short', null]);
    expect(parameters[17]).toEqual([JSON.stringify(['service_tier was dropped', 'top_k was not sent']), null]);
  });
});

describe('recordOutcomesSql', () => {
  it('writes the format with the request, keeps it on a later outcome, and rolls usage up by it', () => {
    expect(recordOutcomesSql).toMatch(/client_request_id, operation, format, routing_rule\)\n\), upserted AS/);
    const overwritten = recordOutcomesSql.slice(recordOutcomesSql.indexOf('ON CONFLICT (id) DO UPDATE'), recordOutcomesSql.indexOf('WHERE requests.status'));
    expect(overwritten).not.toContain('format');
    // An async job's row is created before its plan's rule is known to the record: a later outcome sets it.
    expect(overwritten).toContain('routing_rule = coalesce(excluded.routing_rule, requests.routing_rule)');
    expect(recordOutcomesSql).toContain("'gateway' AS served_by,\n         u.format, '' AS batch_id, coalesce(u.routing_rule, '') AS routing_rule");
    expect(recordOutcomesSql).toContain('INSERT INTO usage_rollups AS r (hour, project_id, api_key_id, model, provider, served_by, format, batch_id, routing_rule');
  });
});
