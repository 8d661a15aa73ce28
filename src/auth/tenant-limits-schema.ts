import { z } from 'zod';

/**
 * Limits of one API key or one project, as stored in the `limits` jsonb column. Only the fields that
 * are set are stored; a row with none is `null`. Rates are per minute; money is a decimal string of
 * USD (never a float).
 */
export interface TenantLimits {
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
  budgets?: TenantBudgetLimits;
}

export interface TenantBudgetLimits {
  dailyUsd?: string;
  monthlyUsd?: string;
  totalUsd?: string;
}

export const budgetPeriods = ['daily', 'monthly', 'total'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

export const budgetField = { daily: 'dailyUsd', monthly: 'monthlyUsd', total: 'totalUsd' } as const satisfies Record<BudgetPeriod, keyof TenantBudgetLimits>;

/** Up to 12 integer digits and the 10 decimals `usage.cost` keeps. */
const usdAmountSchema = z.string().regex(/^\d{1,12}(\.\d{1,10})?$/, 'must be a non-negative decimal string of USD, e.g. "25" or "0.50"');
const positiveIntegerSchema = z.number().int().min(1).max(1_000_000_000);

const storedSchema = z.object({
  rpm: positiveIntegerSchema.optional(),
  tpm: positiveIntegerSchema.optional(),
  maxConcurrent: positiveIntegerSchema.optional(),
  budgets: z.object({ dailyUsd: usdAmountSchema.optional(), monthlyUsd: usdAmountSchema.optional(), totalUsd: usdAmountSchema.optional() }).optional(),
});

/**
 * The body of `PUT /admin/{keys/:id | projects/:project}/limits`: a field left out keeps its value,
 * `null` clears it (`budgets: null` clears every budget).
 */
export const tenantLimitsPatchSchema = z.strictObject({
  rpm: positiveIntegerSchema.nullable().optional(),
  tpm: positiveIntegerSchema.nullable().optional(),
  maxConcurrent: z.number().int().min(1).max(1_000_000).nullable().optional(),
  budgets: z
    .strictObject({
      dailyUsd: usdAmountSchema.nullable().optional(),
      monthlyUsd: usdAmountSchema.nullable().optional(),
      totalUsd: usdAmountSchema.nullable().optional(),
    })
    .nullable()
    .optional(),
});
export type TenantLimitsPatch = z.infer<typeof tenantLimitsPatchSchema>;

/** What the admin API answers: every field, null when unset, so a GET body can be PUT back. */
export const tenantLimitsViewSchema = z.object({
  rpm: z.number().int().nullable(),
  tpm: z.number().int().nullable(),
  maxConcurrent: z.number().int().nullable(),
  budgets: z.object({ dailyUsd: z.string().nullable(), monthlyUsd: z.string().nullable(), totalUsd: z.string().nullable() }),
});
export type TenantLimitsView = z.infer<typeof tenantLimitsViewSchema>;

/** The stored column as limits; a value that is not a limits object (edited by hand) counts as none. */
export function parseStoredLimits(value: unknown): TenantLimits | null {
  if (value === null || value === undefined) return null;
  const parsed = storedSchema.safeParse(value);
  return parsed.success ? compact(parsed.data) : null;
}

export function toLimitsView(limits: TenantLimits | null): TenantLimitsView {
  return {
    rpm: limits?.rpm ?? null,
    tpm: limits?.tpm ?? null,
    maxConcurrent: limits?.maxConcurrent ?? null,
    budgets: {
      dailyUsd: limits?.budgets?.dailyUsd ?? null,
      monthlyUsd: limits?.budgets?.monthlyUsd ?? null,
      totalUsd: limits?.budgets?.totalUsd ?? null,
    },
  };
}

/** Applies a PUT body to the stored limits; null when nothing is left set. */
export function applyLimitsPatch(current: TenantLimits | null, patch: TenantLimitsPatch): TenantLimits | null {
  const pick = <Value>(next: Value | null | undefined, previous: Value | undefined): Value | undefined => (next === undefined ? previous : (next ?? undefined));
  const budgets =
    patch.budgets === null
      ? undefined
      : {
          dailyUsd: pick(patch.budgets?.dailyUsd, current?.budgets?.dailyUsd),
          monthlyUsd: pick(patch.budgets?.monthlyUsd, current?.budgets?.monthlyUsd),
          totalUsd: pick(patch.budgets?.totalUsd, current?.budgets?.totalUsd),
        };
  return compact({
    rpm: pick(patch.rpm, current?.rpm),
    tpm: pick(patch.tpm, current?.tpm),
    maxConcurrent: pick(patch.maxConcurrent, current?.maxConcurrent),
    budgets,
  });
}

/** Drops unset fields (jsonb keeps no `undefined`), normalises money ("010.50" → "10.5"). */
function compact(limits: {
  rpm?: number | undefined;
  tpm?: number | undefined;
  maxConcurrent?: number | undefined;
  budgets?: { [Field in keyof TenantBudgetLimits]?: string | undefined } | undefined;
}): TenantLimits | null {
  const result: TenantLimits = {};
  if (limits.rpm !== undefined) result.rpm = limits.rpm;
  if (limits.tpm !== undefined) result.tpm = limits.tpm;
  if (limits.maxConcurrent !== undefined) result.maxConcurrent = limits.maxConcurrent;
  const budgets: TenantBudgetLimits = {};
  for (const period of budgetPeriods) {
    const amount = limits.budgets?.[budgetField[period]];
    if (amount !== undefined) budgets[budgetField[period]] = normaliseUsd(amount);
  }
  if (Object.keys(budgets).length > 0) result.budgets = budgets;
  return Object.keys(result).length > 0 ? result : null;
}

function normaliseUsd(amount: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  const integer = whole.replace(/^0+(?=\d)/, '');
  const decimals = fraction.replace(/0+$/, '');
  return decimals ? `${integer}.${decimals}` : integer;
}

/** The 1e-10 USD units `usage.cost` is exact to, as a bigint: Redis counts spend in these (INCRBY). */
export function usdToUnits(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const units = BigInt(whole || '0') * 10_000_000_000n + BigInt((fraction + '0000000000').slice(0, 10));
  return negative ? -units : units;
}

export function unitsToUsd(units: bigint): string {
  const negative = units < 0n;
  const absolute = negative ? -units : units;
  const whole = absolute / 10_000_000_000n;
  const fraction = (absolute % 10_000_000_000n).toString().padStart(10, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Whether any rate, concurrency or budget limit is set: the hot path skips Redis when none is. */
export function hasAnyLimit(limits: TenantLimits | null): boolean {
  return limits !== null && Object.keys(limits).length > 0;
}
