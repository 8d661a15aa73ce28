/** The benchmarks' batch input: `lines` classification requests for `bench-model`, as OpenAI batch JSONL. */
export function batchInputFile(lines: number): Blob {
  const parts: string[] = [];
  for (let line = 1; line <= lines; line += 1) {
    parts.push(
      `${JSON.stringify({ custom_id: `item-${line}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'bench-model', messages: [{ role: 'system', content: 'labels: positive, negative, neutral' }, { role: 'user', content: `Review ${line}: the product arrived on time and works.` }] } })}\n`,
    );
  }
  return new Blob(parts, { type: 'application/jsonl' });
}
