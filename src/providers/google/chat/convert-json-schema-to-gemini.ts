/**
 * The JSON Schema keywords Gemini's `responseJsonSchema` and `parametersJsonSchema` support; it accepts
 * the full vocabulary but ignores the rest, so the rest is dropped here and named in a warning.
 * @see https://ai.google.dev/api/generate-content#FIELDS.response_json_schema
 */
const supportedKeywords = new Set([
  '$id',
  '$defs',
  '$ref',
  '$anchor',
  'type',
  'format',
  'title',
  'description',
  'enum',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'anyOf',
  'oneOf',
  'properties',
  'additionalProperties',
  'required',
  'propertyOrdering',
]);

/** Keywords that only describe the document, never the value: dropped without a warning. */
const annotationKeywords = new Set(['$schema', '$comment']);

/** Keywords whose value is a map of name → subschema. */
const schemaMapKeywords = new Set(['properties', '$defs']);
/** Keywords whose value is one subschema (or, for additionalProperties, a boolean). */
const subschemaKeywords = new Set(['items', 'additionalProperties']);
/** Keywords whose value is a list of subschemas. */
const schemaListKeywords = new Set(['prefixItems', 'anyOf', 'oneOf']);

export interface ConvertedJsonSchema {
  schema: Record<string, unknown>;
  /** Paths of the keywords dropped, e.g. `properties.email.pattern`. */
  dropped: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `schema` restricted to Gemini's supported keywords; the input is not modified. */
export function convertJsonSchemaToGemini(schema: Record<string, unknown>): ConvertedJsonSchema {
  const dropped: string[] = [];
  const convert = (node: unknown, path: string): unknown => {
    if (!isObject(node)) return node;
    const result: Record<string, unknown> = {};
    for (const [keyword, value] of Object.entries(node)) {
      const at = path === '' ? keyword : `${path}.${keyword}`;
      if (annotationKeywords.has(keyword)) continue;
      if (!supportedKeywords.has(keyword)) {
        dropped.push(at);
        continue;
      }
      if (schemaMapKeywords.has(keyword) && isObject(value)) {
        result[keyword] = Object.fromEntries(Object.entries(value).map(([name, subschema]) => [name, convert(subschema, `${at}.${name}`)]));
      } else if (subschemaKeywords.has(keyword)) {
        result[keyword] = convert(value, at);
      } else if (schemaListKeywords.has(keyword) && Array.isArray(value)) {
        result[keyword] = value.map((subschema, index) => convert(subschema, `${at}.${index}`));
      } else {
        result[keyword] = value;
      }
    }
    return result;
  };
  return { schema: convert(schema, '') as Record<string, unknown>, dropped };
}

/** The warning for dropped keywords, or undefined when nothing was dropped. */
export function droppedKeywordsWarning(where: string, dropped: string[]): string | undefined {
  if (dropped.length === 0) return undefined;
  return `${where}: JSON Schema keywords Gemini does not support were dropped: ${dropped.join(', ')}`;
}
