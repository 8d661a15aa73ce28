/**
 * RFC 7396 JSON Merge Patch: objects merge key by key, recursively; arrays and scalars replace; a
 * `null` value deletes its key. Neither argument is modified.
 *
 * Written here rather than taken from `json-merge-patch`, whose `apply` modifies its target and stops
 * at the first `constructor`, `__proto__` or `prototype` key, silently dropping every later key of
 * that object (`constructor` is a valid provider or model name here); `deepmerge` and `defu`
 * concatenate arrays and keep `null`s, which is not this format. `Object.fromEntries` defines keys
 * as own properties, so a `__proto__` key stays data and never reaches a prototype.
 * @see https://www.rfc-editor.org/rfc/rfc7396
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const merged = new Map(Object.entries(isJsonObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, applyMergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
