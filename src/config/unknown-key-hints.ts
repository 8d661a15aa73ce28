import { distance } from 'fastest-levenshtein';
import { z } from 'zod';

/** Case, `_` and `-` do not count as differences: `api_key` is `apiKey`, `allowhosts` is `allowHosts`. */
function normalised(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The known key `key` was most likely meant to be: the nearest by edit distance (case, `_` and `-`
 * ignored), when within a third of the key's length (at least 1 edit); undefined when none is that near.
 */
export function nearestKnownKey(key: string, known: readonly string[]): string | undefined {
  const wanted = normalised(key);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const edits = distance(wanted, normalised(candidate));
    if (!best || edits < best.distance) best = { key: candidate, distance: edits };
  }
  return best && best.distance <= Math.max(1, Math.floor(wanted.length / 3)) ? best.key : undefined;
}

/** `Unrecognized key: "modles" (did you mean "models"?)`, or the known keys when none is near. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const described = keys.map((key) => {
    const nearest = nearestKnownKey(key, known);
    return nearest === undefined ? `"${key}" (known keys: ${known.join(', ')})` : `"${key}" (did you mean "${nearest}"?)`;
  });
  return `Unrecognized key${keys.length > 1 ? 's' : ''}: ${described.join('; ')}`;
}

/**
 * A per-parse zod error map for the config: an unknown key is named with the nearest key its object
 * knows. Every other issue keeps zod's message.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'unrecognized_keys' || !(issue.inst instanceof z.ZodObject)) return undefined;
  return unknownKeysMessage(issue.keys, Object.keys(issue.inst.shape));
};
