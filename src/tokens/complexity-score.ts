/**
 * A request's complexity in [0, 1], for routing rules (`when.complexity`): a cheap heuristic over the
 * prompt's text, never a model call. Pluggable: a scorer is a pure function registered by name and
 * chosen by `routing.complexityScorer`.
 */
export interface ComplexityInput {
  /** The system and developer messages' text. */
  system: string;
  /** Every other message's text (user, assistant, tool), in order. */
  conversation: string;
  /** The request's input tokens, as the gateway counts them. */
  inputTokens: number;
}

export type ComplexityScorer = (input: ComplexityInput) => number;

/** Only this much of each text is read: the score of a long prompt is settled well before. */
const scannedCharacters = 16 * 1024;

/**
 * The signals of the default scorer and their weights (they sum to 1), each signal in [0, 1]:
 * - `length`: input tokens on a log scale, 1 at 4,000 and beyond;
 * - `code`: code fences (½ each) and code-like lines (a tenth each: ending in `;`, `{`, `}`, or
 *   starting with `def`, `class`, `function`, `import`, `const`, `return`, `SELECT`…);
 * - `steps`: multi-step instructions, a sixth each: numbered or bulleted lines, and the words
 *   "step by step", "first", "then", "next", "finally", "after that";
 * - `questions`: question marks beyond the first, a quarter each;
 * - `system`: the system prompt's length, 1 at 4,000 characters.
 */
export const defaultComplexityWeights = { length: 0.3, code: 0.2, steps: 0.25, questions: 0.1, system: 0.15 } as const;

const codeLine = /^\s*(?:def |class |function |import |from \S+ import |const |let |var |return\b|public |private |#include|SELECT |INSERT |UPDATE |CREATE )|[;{}]\s*$/;
const listLine = /^\s*(?:\d+[.)]|[-*•])\s+\S/;
const stepWords = /\b(?:step[- ]by[- ]step|first(?:ly)?|then|next|finally|after that|afterwards)\b/gi;

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** The default heuristic (see `defaultComplexityWeights`): a classification one-liner scores near 0.1, a multi-step coding task with context above 0.5. */
export const defaultComplexityScorer: ComplexityScorer = (input) => {
  const text = input.conversation.slice(0, scannedCharacters);
  const lines = text.split('\n');
  const fences = (text.match(/```/g)?.length ?? 0) / 2;
  const codeLines = lines.filter((line) => codeLine.test(line)).length;
  const listLines = lines.filter((line) => listLine.test(line)).length;
  const stepMarkers = text.match(stepWords)?.length ?? 0;
  const questions = text.match(/\?/g)?.length ?? 0;
  const signals = {
    length: clamp(Math.log1p(input.inputTokens) / Math.log1p(4000)),
    code: clamp(Math.ceil(fences) * 0.5 + codeLines / 10),
    steps: clamp((listLines + stepMarkers) / 6),
    questions: clamp((questions - 1) / 4),
    system: clamp(Math.min(input.system.length, scannedCharacters) / 4000),
  };
  const score = (Object.keys(defaultComplexityWeights) as Array<keyof typeof defaultComplexityWeights>).reduce((sum, key) => sum + defaultComplexityWeights[key] * signals[key], 0);
  return Math.round(score * 1000) / 1000;
};

const scorers = new Map<string, ComplexityScorer>([['default', defaultComplexityScorer]]);

/** Makes a scorer choosable by `routing.complexityScorer` (register before the config is loaded). */
export function registerComplexityScorer(name: string, scorer: ComplexityScorer): void {
  scorers.set(name, scorer);
}

/** The registered scorer of this name; undefined when none is. */
export function complexityScorerNamed(name: string): ComplexityScorer | undefined {
  return scorers.get(name);
}

export function complexityScorerNames(): string[] {
  return [...scorers.keys()];
}
