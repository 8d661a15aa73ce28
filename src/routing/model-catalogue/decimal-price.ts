import Big from 'big.js';
import type { DecimalString } from './model-definition.ts';

/**
 * A package's price (a JS number, USD per 1M tokens) as a plain decimal string: the shortest
 * round-trip form of the number (so `0.075` stays `0.075`, never `0.07500000000000001`), without an
 * exponent. Undefined for anything that is not a finite non-negative number.
 */
export function toDecimalPrice(value: unknown): DecimalString | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return new Big(String(value)).toFixed() as DecimalString;
}
