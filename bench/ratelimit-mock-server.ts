/**
 * The upstream of `bench/ratelimit.ts`: an OpenAI-wire mock enforcing its own strict sliding-window
 * rate limit (429 beyond `MOCK_RPM` requests in any `MOCK_WINDOW_MS`), answering after 0 to
 * `MOCK_MAX_DELAY_MS` ms. `GET /stats` answers the accepted arrival times, the 429 count and the
 * requests per gateway process (`x-worker`). Prints `MOCK_URL=<base url>` when listening; stops on
 * SIGTERM/SIGINT or when its parent goes away (stdin closes).
 */
import { OpenAIWireServer, type RecordedRequest } from '../test/support/openai-wire-server.ts';
import { StrictSlidingWindow, strictlyLimited } from '../test/support/strict-rate-limit.ts';

const window = new StrictSlidingWindow(Number(process.env.MOCK_RPM ?? 600), Number(process.env.MOCK_WINDOW_MS ?? 60_000));
const limited = strictlyLimited(window, { maxDelayMs: Number(process.env.MOCK_MAX_DELAY_MS ?? 100) });

function stats() {
  const byWorker: Record<string, number> = {};
  for (const arrival of window.accepted) byWorker[arrival.worker] = (byWorker[arrival.worker] ?? 0) + 1;
  return { accepted: window.accepted.map((arrival) => arrival.at), rejected: window.rejected.length, byWorker };
}

const server = new OpenAIWireServer((request: RecordedRequest) => (request.path === '/stats' ? { status: 200, body: stats() } : limited(request)));
server.record = false;
const url = await server.start();
process.stdout.write(`MOCK_URL=${url}\n`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  const forced = setTimeout(() => process.exit(1), 5_000);
  forced.unref();
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}

process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
