/** An operation a benchmark batch can run: its endpoint, the model the bench config routes, one line's body. */
interface BenchOperationInput {
  endpoint: string;
  /** The model the lines name. */
  model: string;
  /** The built-in mock provider's model behind {@link model}. */
  mockModel: string;
  /** Line `line`'s request body, but its `model`. */
  body(line: number): Record<string, unknown>;
}

/** The benchmarks' batch inputs, one per operation. */
export const benchOperations = {
  chat: {
    endpoint: '/v1/chat/completions',
    model: 'bench-model',
    mockModel: 'classifier',
    body: (line) => ({
      messages: [
        { role: 'system', content: 'labels: positive, negative, neutral' },
        { role: 'user', content: `Review ${line}: the product arrived on time and works.` },
      ],
    }),
  },
  embeddings: {
    endpoint: '/v1/embeddings',
    model: 'bench-embed',
    mockModel: 'embed',
    body: (line) => ({ input: `Passage ${line}: the product arrived on time and works.` }),
  },
} as const satisfies Record<string, BenchOperationInput>;

export type BenchOperation = keyof typeof benchOperations;

export function isBenchOperation(name: string): name is BenchOperation {
  return Object.hasOwn(benchOperations, name);
}

/** `lines` requests of `operation` (chat unless said) for `model` (its bench model unless said), as OpenAI batch JSONL. */
export function batchInputFile(lines: number, operation: BenchOperation = 'chat', model: string = benchOperations[operation].model): Blob {
  const { endpoint, body } = benchOperations[operation];
  const parts: string[] = [];
  for (let line = 1; line <= lines; line += 1) {
    parts.push(`${JSON.stringify({ custom_id: `item-${line}`, method: 'POST', url: endpoint, body: { model, ...body(line) } })}\n`);
  }
  return new Blob(parts, { type: 'application/jsonl' });
}
