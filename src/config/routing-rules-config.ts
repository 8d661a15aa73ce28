import { z } from 'zod';
import { integer } from './provider-config.ts';
import { routingStrategies } from './routing-config.ts';

/** Headers a rule may not read: credentials are never routing input. */
const unreadableHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

const oneOrMore = z.union([z.string(), z.array(z.string()).min(1, 'list at least one value')]);

function range<Bound extends z.ZodType<number | undefined>>(bound: Bound) {
  return z
    .strictObject({ min: bound.optional(), max: bound.optional() })
    .refine((value) => value.min !== undefined || value.max !== undefined, 'give min, max or both')
    .refine((value) => value.min === undefined || value.max === undefined || value.min <= value.max, 'min must not be above max');
}

/**
 * What a request must be for a rule to take it; every condition given must hold (an empty `when`
 * matches every request). docs/routing-and-limits.md explains each.
 */
export const ruleConditionsSchema = z.strictObject({
  /** The request's input tokens (the gateway's count, see src/tokens/), within the bounds, both inclusive. */
  inputTokens: range(integer({ min: 0 })).optional(),
  /** Whether the messages carry an image. */
  images: z.boolean().optional(),
  /** Whether the request offers tools (or functions). */
  tools: z.boolean().optional(),
  /** Whether the request asks for `response_format: json_schema`. */
  jsonSchema: z.boolean().optional(),
  /** Body `metadata` keys and the value, or one of the values, each must have. */
  metadata: z.record(z.string().min(1), oneOrMore).optional(),
  /** Request headers (names in any case) and the value, or one of the values, each must have. */
  header: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
        .transform((name) => name.toLowerCase())
        .refine((name) => !unreadableHeaders.has(name), 'credentials are not routing input: choose another header'),
      oneOrMore,
    )
    .optional(),
  /** The request's complexity score in [0, 1] (`routing.complexityScorer`), within the bounds. */
  complexity: range(z.number().min(0, 'complexity is in [0, 1]').max(1, 'complexity is in [0, 1]')).optional(),
});
export type RuleConditions = z.infer<typeof ruleConditionsSchema>;

/** A rule's name: in headers, route trails and usage rows. `default` names the model's own routes. */
const ruleName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'rule names use letters, digits, _ . and - (at most 64)')
  .refine((name) => name !== 'default', '"default" names the model\'s own routes: choose another rule name');

/**
 * One conditional routing rule of a model: when the request matches `when`, it is routed by this
 * rule's `routes` (in the shape of the model's routes, ordered by `strategy`, by default the model's)
 * or by another configured model (`use`), instead of the model's own routes.
 */
export function routingRuleSchema<RouteEntry extends z.ZodType>(routeEntry: RouteEntry) {
  return z
    .strictObject({
      name: ruleName,
      when: ruleConditionsSchema,
      routes: z.array(routeEntry).min(1, "a rule's routes must list at least one route").optional(),
      /** Another configured model whose own routes serve the requests this rule takes. */
      use: z.string().min(1).optional(),
      /** How `routes` are ordered. @defaultValue the model's strategy */
      strategy: z.enum(routingStrategies).optional(),
    })
    .superRefine((rule, context) => {
      if ((rule.routes === undefined) === (rule.use === undefined)) context.addIssue({ code: 'custom', message: 'give either routes or use (another model), not both or neither' });
      if (rule.use !== undefined && rule.strategy !== undefined)
        context.addIssue({ code: 'custom', path: ['strategy'], message: 'strategy orders routes: a rule that uses another model takes its strategy' });
    });
}

/** A model's rules, in order: names unique, and no rule that takes every request (nothing after it could run). */
export function routingRulesSchema<RouteEntry extends z.ZodType>(routeEntry: RouteEntry) {
  return z.array(routingRuleSchema(routeEntry)).superRefine((rules, context) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate rule name "${rule.name}"` });
      seen.add(rule.name);
      if (Object.keys(rule.when).length === 0) {
        const after = rules.slice(index + 1).map((later) => `"${later.name}"`);
        context.addIssue({
          code: 'custom',
          path: [index, 'when'],
          message: `rule "${rule.name}" has no conditions, so it takes every request: ${after.length > 0 ? `the rules after it (${after.join(', ')}) and ` : ''}the model's own routes could never run`,
        });
      }
    });
  });
}
