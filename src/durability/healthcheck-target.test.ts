import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../config/env.ts';
import { healthcheckTarget } from './healthcheck-target.ts';

const target = (variables: Record<string, string>, path: '/healthz' | '/readyz' = '/healthz') => healthcheckTarget({ environment: loadEnvironment(variables), path });

describe('healthcheckTarget', () => {
  it('asks the API port in the api and all roles, over loopback when the server listens everywhere', () => {
    expect(target({ GATEWAY_ROLE: 'api', HOST: '0.0.0.0', PORT: '8080', METRICS_PORT: '9464' })).toEqual({ url: 'http://127.0.0.1:8080/healthz' });
    expect(target({ GATEWAY_ROLE: 'all', HOST: '::', PORT: '8081' }, '/readyz')).toEqual({ url: 'http://[::1]:8081/readyz' });
    expect(target({})).toEqual({ url: 'http://127.0.0.1:8080/healthz' });
  });

  it('asks the address the server was told to listen on when it is a particular one', () => {
    expect(target({ HOST: '10.1.2.3', PORT: '80' })).toEqual({ url: 'http://10.1.2.3:80/healthz' });
    expect(target({ HOST: 'fd00::5', PORT: '80' })).toEqual({ url: 'http://[fd00::5]:80/healthz' });
  });

  it('asks the METRICS_PORT server in the worker role, which has no API port', () => {
    expect(target({ GATEWAY_ROLE: 'worker', HOST: '0.0.0.0', PORT: '8080', METRICS_PORT: '9464' }, '/readyz')).toEqual({ url: 'http://127.0.0.1:9464/readyz' });
  });

  it('says why a process cannot be probed instead of asking the wrong port', () => {
    expect(target({ GATEWAY_ROLE: 'worker', PORT: '8080' })).toEqual({ problem: expect.stringContaining('set METRICS_PORT') });
    // Empty means unset, as for the process itself (`docker run -e METRICS_PORT=`).
    expect(target({ GATEWAY_ROLE: 'worker', METRICS_PORT: '' })).toEqual({ problem: expect.stringContaining('set METRICS_PORT') });
    expect(target({ GATEWAY_ROLE: 'api', PORT: '0' })).toEqual({ problem: expect.stringContaining('PORT=0') });
    expect(target({ GATEWAY_ROLE: 'worker', METRICS_PORT: '0' })).toEqual({ problem: expect.stringContaining('METRICS_PORT=0') });
  });
});
