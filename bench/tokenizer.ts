/**
 * Token-counting micro-benchmark: what counting a chat request's input costs, with the old
 * four-characters-a-token estimate and with the tokenizer (`countChatRequestTokens`), for requests of
 * 200 B, 2 KB, 20 KB and 200 KB of mixed prose, code and JSON; and the cold load of the vocabulary.
 * Each size is counted over distinct requests (no two alike), best of three rounds.
 *
 *   npm run bench:tokens
 *   BENCH_TOKEN_ROUNDS=3  BENCH_TOKEN_REQUESTS=200 (requests per size, fewer for the larger ones)
 */
import { performance } from 'node:perf_hooks';
import type { ChatCompletionRequest } from '../src/providers/chat-completion-schemas.ts';
import { seededRandom } from '../src/routing/seeded-random.ts';
import { countChatRequestTokens } from '../src/tokens/count-request-tokens.ts';
import { warmTokenEncoders } from '../src/tokens/token-encoders.ts';
import { tokenCountingFor } from '../src/tokens/token-families.ts';

const rounds = Number(process.env.BENCH_TOKEN_ROUNDS ?? 3);
const requestsPerSize = Number(process.env.BENCH_TOKEN_REQUESTS ?? 200);

const words = [
  'the',
  'gateway',
  'routes',
  'requests',
  'to',
  'providers',
  'and',
  'counts',
  'tokens',
  'before',
  'each',
  'call',
  'latency',
  'budget',
  'über',
  'naïve',
  'réseau',
  'queue',
  'worker',
  'limit',
];
const codeLines = ['function add(a, b) {', '  return a + b;', '}', 'const total = items.reduce((sum, item) => sum + item.price, 0);', 'if (x > 10) throw new Error("too big");'];

function mixedText(length: number, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  let text = '';
  while (text.length < length) {
    const kind = random();
    if (kind < 0.6) text += Array.from({ length: 6 + Math.floor(random() * 20) }, () => pick(words)).join(' ') + '. ';
    else if (kind < 0.85) text += `${pick(codeLines)}\n${pick(codeLines)}\n`;
    else text += `${JSON.stringify({ id: Math.floor(random() * 1e6), name: pick(words), score: Math.round(random() * 1000) / 1000 })}\n`;
  }
  return text.slice(0, length);
}

function chatRequest(bytes: number, random: () => number): ChatCompletionRequest {
  const system = mixedText(Math.min(200, Math.floor(bytes / 10)), random);
  return {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: mixedText(bytes - system.length, random) },
    ],
  };
}

/** The estimate the tokenizer replaced: four characters a token, 3 per message and 3 to prime. */
function fourCharacterEstimate(request: ChatCompletionRequest): number {
  return request.messages.reduce((sum, message) => sum + 3 + Math.ceil((typeof message.content === 'string' ? message.content.length : 0) / 4), 3);
}

function microsecondsPerRequest(requests: readonly ChatCompletionRequest[], count: (request: ChatCompletionRequest) => number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    let sink = 0;
    for (const request of requests) sink += count(request);
    const elapsed = (performance.now() - started) * 1000;
    if (sink < 0) throw new Error('unreachable');
    best = Math.min(best, elapsed / requests.length);
  }
  return best;
}

const loadStarted = performance.now();
warmTokenEncoders(['o200k_base']);
const o200kLoadMs = performance.now() - loadStarted;
const cl100kStarted = performance.now();
warmTokenEncoders(['cl100k_base']);
const cl100kLoadMs = performance.now() - cl100kStarted;

const gpt4o = tokenCountingFor('gpt-4o');
const claude = tokenCountingFor('claude-sonnet-4-5');
const random = seededRandom(42);
const rows: string[] = [];
for (const bytes of [200, 2_000, 20_000, 200_000]) {
  const count = Math.max(10, Math.floor(requestsPerSize / Math.max(1, bytes / 2_000)));
  const requests = Array.from({ length: count }, () => chatRequest(bytes, random));
  const old = microsecondsPerRequest(requests, fourCharacterEstimate);
  const openai = microsecondsPerRequest(requests, (request) => countChatRequestTokens(request, gpt4o));
  const anthropic = microsecondsPerRequest(requests, (request) => countChatRequestTokens(request, claude));
  const sample = requests[0] as ChatCompletionRequest;
  rows.push(
    [`${bytes / 1000} KB`, old.toFixed(1), openai.toFixed(1), anthropic.toFixed(1), String(fourCharacterEstimate(sample)), String(countChatRequestTokens(sample, gpt4o))]
      .map((cell) => cell.padStart(12))
      .join(''),
  );
}
process.stdout.write(`cold load: o200k_base ${o200kLoadMs.toFixed(0)} ms, cl100k_base ${cl100kLoadMs.toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB\n`);
process.stdout.write(`${['request', 'µs 4-char', 'µs o200k', 'µs claude', 'tok 4-char', 'tok o200k'].map((cell) => cell.padStart(12)).join('')}\n${rows.join('\n')}\n`);
