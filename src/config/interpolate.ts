/**
 * `${NAME}` and `${NAME:-fallback}` in string values of the parsed YAML tree. Interpolating values
 * (not the raw text) means a secret containing `:` or `#` can never change the document's structure.
 */
const placeholder = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationResult {
  value: unknown;
  /** `path: message` lines, one per unset variable without fallback. */
  errors: string[];
}

export function interpolateEnvironment(tree: unknown, environment: NodeJS.ProcessEnv): InterpolationResult {
  const errors: string[] = [];
  const visit = (node: unknown, path: string[]): unknown => {
    if (typeof node === 'string') {
      return node.replace(placeholder, (_match, name: string, fallback: string | undefined) => {
        const value = environment[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        errors.push(`${path.join('.') || '(root)'}: environment variable ${name} is not set`);
        return '';
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, String(index)]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value, [...path, key])]));
    }
    return node;
  };
  return { value: visit(tree, []), errors };
}
