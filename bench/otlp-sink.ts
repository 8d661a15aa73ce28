/**
 * A collector stand-in for `bench:tracing`: accepts OTLP/HTTP exports on `SINK_PORT` and counts them,
 * in a process of its own so its CPU is not the gateway's. Says it listens, and answers `stats`, over IPC.
 */
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    exports += 1;
    response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' }).end();
  });
});
server.listen(Number(process.env.SINK_PORT), '127.0.0.1', () => process.send?.('listening'));
process.on('message', () => process.send?.({ exports, bytes }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
