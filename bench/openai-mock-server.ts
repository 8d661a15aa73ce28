/**
 * The upstream of `bench/sync.ts`: {@link OpenAIWireServer} answering every chat call at once (0 ms
 * latency, nothing recorded), in a process of its own so it shares no event loop with the load
 * generator or the gateway. Prints `MOCK_URL=<base url>` when listening; stops on SIGTERM/SIGINT or
 * when its parent goes away (stdin closes).
 *
 * A `stream: true` call gets OpenAI's SSE (its `echoStream`): a role chunk, the echo in three content
 * chunks, a `stop` chunk, with `stream_options.include_usage` a usage chunk (`choices: []`), then
 * `data: [DONE]`. Every frame is written at once, back to back, as soon as the request body is read
 * (no delay between frames: each is its own `write`, so its own HTTP chunk), so time to first byte
 * and total stream time measure the transport and the gateway, not a simulated model.
 */
import { OpenAIWireServer } from '../test/support/openai-wire-server.ts';

const server = new OpenAIWireServer();
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
// The parent holds our stdin open; if it dies without signalling us, the pipe closes and we go too.
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
