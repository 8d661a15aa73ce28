/**
 * OpenAI settings that Anthropic-style wire formats (Anthropic, Bedrock Converse) have no counterpart
 * for, each with the test of whether a request asks for anything by it: a default value (`logprobs:
 * false`, a zero penalty, an empty `logit_bias`) asks for nothing and is dropped without a warning.
 */
export const settingsWithoutCounterpart: Readonly<Record<string, (value: unknown) => boolean>> = {
  logprobs: (value) => value === true,
  top_logprobs: (value) => typeof value === 'number',
  logit_bias: (value) => typeof value === 'object' && value !== null && Object.keys(value).length > 0,
  presence_penalty: (value) => typeof value === 'number' && value !== 0,
  frequency_penalty: (value) => typeof value === 'number' && value !== 0,
  seed: (value) => typeof value === 'number',
};

/**
 * The request's fields a converter drops while they ask for something: those of `dropped` by their
 * test, any other it does not translate when set (not null or undefined). In the request's order.
 */
export function droppedFields(request: object, translated: ReadonlySet<string>, dropped: Readonly<Record<string, (value: unknown) => boolean>> = settingsWithoutCounterpart): string[] {
  return Object.entries(request).flatMap(([field, value]) => {
    const asksForSomething = dropped[field];
    return (asksForSomething ? asksForSomething(value) : !translated.has(field) && value !== undefined && value !== null) ? [field] : [];
  });
}
