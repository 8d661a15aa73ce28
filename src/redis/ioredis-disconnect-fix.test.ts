import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import './ioredis-disconnect-fix.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ioredis disconnect while reconnecting', () => {
  let server: ChildProcess | undefined;
  afterEach(() => {
    server?.kill('SIGKILL');
  });

  it('ends the client (end emitted, commands rejected) instead of leaving it reconnecting forever', async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 5000, lazyConnect: true });
    client.on('error', () => {});
    await expect
      .poll(
        () =>
          client.connect().then(
            () => true,
            () => false,
          ),
        { timeout: 5000, interval: 100 },
      )
      .toBe(true);
    expect(await client.ping()).toBe('PONG');
    server.kill('SIGKILL');
    await expect.poll(() => client.status, { timeout: 5000, interval: 20 }).toBe('reconnecting');
    const pending = client.get('x');
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.disconnect();
    await ended;
    expect(client.status).toBe('end');
    await expect(pending).rejects.toThrow(/Connection is closed/);
  });
});
