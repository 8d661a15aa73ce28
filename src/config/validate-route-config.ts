import { isAliasRoute, type AliasRouteConfig } from './routing-config.ts';

/** What the checks read of a parsed config (typed structurally: the schema calls this while parsing). */
export interface RouteConfigShape {
  providers: Readonly<Record<string, unknown>>;
  models: Readonly<
    Record<
      string,
      {
        routes: ReadonlyArray<{ provider: string } | AliasRouteConfig>;
        rules?: ReadonlyArray<{ name: string; routes?: ReadonlyArray<{ provider: string } | AliasRouteConfig> | undefined; use?: string | undefined }> | undefined;
      }
    >
  >;
  breakers?: { providers: Readonly<Record<string, unknown>> };
}

export interface RouteConfigProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Problems a schema cannot see, each with the exact path: a route to an unknown provider, an alias to
 * an unknown model, an alias cycle (`a → b → a`), breaker settings for an unknown provider; in a
 * model's rules, the same of their routes, and a `use` of an unknown model or of the model itself.
 */
export function findRouteConfigProblems(config: RouteConfigShape): RouteConfigProblem[] {
  const problems: RouteConfigProblem[] = [];
  const providers = Object.keys(config.providers).join(', ');
  const models = Object.keys(config.models).join(', ');
  const checkRoutes = (routes: ReadonlyArray<{ provider: string } | AliasRouteConfig>, path: Array<string | number>) =>
    routes.forEach((route, index) => {
      if (isAliasRoute(route)) {
        if (!Object.hasOwn(config.models, route.alias)) problems.push({ path: [...path, index, 'alias'], message: `unknown model "${route.alias}" (configured: ${models})` });
      } else if (!Object.hasOwn(config.providers, route.provider)) {
        problems.push({ path: [...path, index, 'provider'], message: `unknown provider "${route.provider}" (known: ${providers})` });
      }
    });
  for (const [modelName, model] of Object.entries(config.models)) {
    checkRoutes(model.routes, ['models', modelName, 'routes']);
    model.rules?.forEach((rule, index) => {
      if (rule.routes) checkRoutes(rule.routes, ['models', modelName, 'rules', index, 'routes']);
      if (rule.use === modelName) problems.push({ path: ['models', modelName, 'rules', index, 'use'], message: `rule "${rule.name}" uses its own model: give it routes instead` });
      else if (rule.use !== undefined && !Object.hasOwn(config.models, rule.use))
        problems.push({ path: ['models', modelName, 'rules', index, 'use'], message: `unknown model "${rule.use}" (configured: ${models})` });
    });
  }
  problems.push(...findAliasCycles(config));
  for (const provider of Object.keys(config.breakers?.providers ?? {})) {
    if (!Object.hasOwn(config.providers, provider)) {
      problems.push({ path: ['breakers', 'providers', provider], message: `unknown provider "${provider}" (known: ${providers})` });
    }
  }
  return problems;
}

/**
 * Depth-first over alias edges; each cycle is reported once, at the alias that closes it, with the
 * whole loop spelled out.
 */
function findAliasCycles(config: RouteConfigShape): RouteConfigProblem[] {
  const problems: RouteConfigProblem[] = [];
  const finished = new Set<string>();
  const visit = (modelName: string, stack: string[]): void => {
    const model = Object.hasOwn(config.models, modelName) ? config.models[modelName] : undefined;
    if (!model || finished.has(modelName)) return;
    stack.push(modelName);
    model.routes.forEach((route, index) => {
      if (!isAliasRoute(route)) return;
      const start = stack.indexOf(route.alias);
      if (start >= 0) {
        const loop = [...stack.slice(start), route.alias].join(' → ');
        problems.push({ path: ['models', modelName, 'routes', index, 'alias'], message: `alias cycle: ${loop}` });
      } else {
        visit(route.alias, stack);
      }
    });
    stack.pop();
    finished.add(modelName);
  };
  for (const modelName of Object.keys(config.models)) visit(modelName, []);
  return problems;
}
