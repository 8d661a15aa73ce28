/** The header listing what a format's translation could not carry (also logged), joined and bounded. */
export const conversionWarningsHeader = 'x-gateway-warnings';

/** The warnings header, or none when nothing was left out. */
export function conversionWarningsHeaders(warnings: readonly string[]): Record<string, string> {
  return warnings.length > 0 ? { [conversionWarningsHeader]: warnings.join(' | ').slice(0, 4000) } : {};
}
