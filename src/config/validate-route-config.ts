import { isAliasRoute, type AliasRouteConfig } from './routing-config.ts';

/** What the checks read of a parsed config (typed structurally: the schema calls this while parsing). */
export interface RouteConfigShape {
  providers: Readonly<Record<string, unknown>>;
  models: Readonly<Record<string, { routes: ReadonlyArray<{ provider: string } | AliasRouteConfig> }>>;
  breakers?: { providers: Readonly<Record<string, unknown>> };
}

export interface RouteConfigProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Problems a schema cannot see, each with the exact path: a route to an unknown provider, an alias to
 * an unknown model, an alias cycle (`a → b → a`), breaker settings for an unknown provider.
 */
export function findRouteConfigProblems(config: RouteConfigShape): RouteConfigProblem[] {
  const problems: RouteConfigProblem[] = [];
  const providers = Object.keys(config.providers).join(', ');
  const models = Object.keys(config.models).join(', ');
  for (const [modelName, model] of Object.entries(config.models)) {
    model.routes.forEach((route, index) => {
      if (isAliasRoute(route)) {
        if (!Object.hasOwn(config.models, route.alias)) {
          problems.push({ path: ['models', modelName, 'routes', index, 'alias'], message: `unknown model "${route.alias}" (configured: ${models})` });
        }
      } else if (!Object.hasOwn(config.providers, route.provider)) {
        problems.push({ path: ['models', modelName, 'routes', index, 'provider'], message: `unknown provider "${route.provider}" (known: ${providers})` });
      }
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
