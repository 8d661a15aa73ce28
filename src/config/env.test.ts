import { describe, expect, it } from 'vitest';
import { loadEnvironment } from './env.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';

/** Runs loadEnvironment and returns the ConfigurationError it throws (fails the test if it does not throw). */
function configurationErrorOf(source: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadEnvironment(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected loadEnvironment to throw');
}

describe('loadEnvironment', () => {
  it('applies a default to every variable when the environment is empty', () => {
    const environment = loadEnvironment({});
    expect(environment.PORT).toBe(8080);
    expect(environment.HOST).toBe('127.0.0.1');
    expect(environment.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(environment.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(environment.REDIS_PREFIX).toBe('gw');
    expect(environment.GATEWAY_ROLE).toBe('all');
    expect(environment.LOG_LEVEL).toBe('info');
    expect(environment.GATEWAY_CONFIG).toBeUndefined();
    expect(environment.GATEWAY_ADMIN_KEY).toBeUndefined();
  });

  it('reads set variables, coercing PORT to a number', () => {
    const environment = loadEnvironment({
      PORT: '3000',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://user:pw@db:5432/gateway',
      REDIS_URL: 'rediss://cache:6380',
      REDIS_PREFIX: 'tenant_a-1',
      GATEWAY_CONFIG: '/etc/gateway.yaml',
      GATEWAY_ADMIN_KEY: 'a'.repeat(16),
      GATEWAY_ROLE: 'worker',
      LOG_LEVEL: 'debug',
    });
    expect(environment).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://user:pw@db:5432/gateway',
      REDIS_URL: 'rediss://cache:6380',
      REDIS_PREFIX: 'tenant_a-1',
      GATEWAY_CONFIG: '/etc/gateway.yaml',
      GATEWAY_ADMIN_KEY: 'aaaaaaaaaaaaaaaa',
      GATEWAY_ROLE: 'worker',
      LOG_LEVEL: 'debug',
    });
  });

  it('ignores variables it does not know', () => {
    const environment = loadEnvironment({ PATH: '/usr/bin', HOME: '/root' });
    expect(environment).not.toHaveProperty('PATH');
    expect(environment).not.toHaveProperty('HOME');
  });

  it('treats empty strings as unset, so defaults apply', () => {
    const environment = loadEnvironment({ PORT: '', HOST: '', REDIS_URL: '', GATEWAY_ROLE: '', LOG_LEVEL: '', GATEWAY_ADMIN_KEY: '' });
    expect(environment.PORT).toBe(8080);
    expect(environment.HOST).toBe('127.0.0.1');
    expect(environment.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(environment.GATEWAY_ROLE).toBe('all');
    expect(environment.LOG_LEVEL).toBe('info');
    // An empty admin key must not be validated as a (too short) key: it is simply absent.
    expect(environment.GATEWAY_ADMIN_KEY).toBeUndefined();
  });

  it.each([
    ['PORT', 'not-a-number'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['PORT', '-1'],
    ['DATABASE_URL', 'mysql://127.0.0.1/test'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_PREFIX', 'has spaces'],
    ['GATEWAY_ROLE', 'scheduler'],
    ['LOG_LEVEL', 'verbose'],
    ['GATEWAY_ADMIN_KEY', 'short'],
    ['DATABASE_POOL_MAX', '0'],
    ['DATABASE_POOL_MAX', 'many'],
  ])('rejects %s=%j with a ConfigurationError naming the variable', (name, value) => {
    const error = configurationErrorOf({ [name]: value });
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toMatch(new RegExp(`^${name}: `, 'm'));
  });

  it('explains what a URL variable must be', () => {
    expect(configurationErrorOf({ REDIS_URL: 'localhost:6379' }).message).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
    expect(configurationErrorOf({ DATABASE_URL: 'localhost' }).message).toContain('DATABASE_URL: must be a postgres:// URL');
  });

  it('reports every bad variable, one line each', () => {
    const error = configurationErrorOf({ PORT: 'x', GATEWAY_ROLE: 'nope', REDIS_URL: 'nope' });
    const lines = error.message.split('\n').slice(1);
    expect(lines.map((line) => line.split(':')[0]).sort()).toEqual(['GATEWAY_ROLE', 'PORT', 'REDIS_URL']);
  });

  it('accepts the bounds of the PORT range', () => {
    expect(loadEnvironment({ PORT: '0' }).PORT).toBe(0);
    expect(loadEnvironment({ PORT: '65535' }).PORT).toBe(65535);
  });
});
