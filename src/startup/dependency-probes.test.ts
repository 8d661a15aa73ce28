import { describe, expect, it } from 'vitest';
import { failingNodes } from './dependency-probes.ts';
import { describeFailure } from './dependency-failure.ts';

describe('Redis Cluster start-up probe', () => {
  it('names the nodes CLUSTER NODES flags as failing, with their role', () => {
    const nodes = [
      'a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
      'b2 127.0.0.1:7001@17001 master,fail - 1700 1690 2 disconnected 5461-10922',
      'c3 127.0.0.1:7002@17002 master - 0 1700 3 connected 10923-16383',
      'd4 127.0.0.1:7003@17003 slave,fail? a1 1700 1690 1 connected',
    ].join('\n');
    expect(failingNodes(nodes)).toEqual(['127.0.0.1:7001 (master)', '127.0.0.1:7003 (replica)']);
    expect(failingNodes('')).toEqual([]);
  });

  it('tells a refused TLS certificate and a cluster that cannot serve from an unreachable node', () => {
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(describeFailure(tls).reason).toBe('tls-failed');
    expect(describeFailure(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).reason).toBe('tls-failed');
    expect(describeFailure(Object.assign(new Error('cluster_state is fail'), { code: 'CLUSTERDOWN' })).reason).toBe('cluster-down');
    expect(describeFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7001'), { code: 'ECONNREFUSED' })).reason).toBe('unreachable');
  });
});
