import type { FailureReason } from './dependency-failure.ts';
import type { DependencyName, DependencyTarget, DependencyVariable } from '../config/dependency-target.ts';

/** Where start-up is: waiting for Postgres and Redis, applying migrations, then wiring the rest. */
export type StartupPhase = 'waiting-for-dependencies' | 'migrating' | 'starting-services';

export type StartupCheck = 'ok' | 'failing' | 'pending';

/** `/readyz` while the process starts (answered with 503). */
export interface StartupReport {
  status: 'starting';
  phase: StartupPhase;
  checks: Partial<Record<DependencyName, StartupCheck>>;
  /** What the process is still waiting for: the variable to check and why it does not answer. */
  waitingFor: Array<{ dependency: DependencyName; variable: DependencyVariable; reason: FailureReason | 'not-tried-yet'; attempts: number }>;
}

interface DependencyState {
  target: DependencyTarget;
  check: StartupCheck;
  reason: FailureReason | undefined;
  attempts: number;
}

/**
 * What a starting process can say about itself, for `/readyz` before the API exists. No addresses:
 * the probe answers anyone who can reach the port; the log has the addresses.
 */
export class StartupStatus {
  private currentPhase: StartupPhase = 'waiting-for-dependencies';
  private readonly dependencies = new Map<DependencyName, DependencyState>();

  constructor(targets: readonly DependencyTarget[]) {
    for (const target of targets) this.dependencies.set(target.name, { target, check: 'pending', reason: undefined, attempts: 0 });
  }

  get phase(): StartupPhase {
    return this.currentPhase;
  }

  enter(phase: StartupPhase): void {
    this.currentPhase = phase;
  }

  failed(name: DependencyName, reason: FailureReason, attempts: number): void {
    const state = this.dependencies.get(name);
    if (state) Object.assign(state, { check: 'failing', reason, attempts });
  }

  reachable(name: DependencyName, attempts: number): void {
    const state = this.dependencies.get(name);
    if (state) Object.assign(state, { check: 'ok', reason: undefined, attempts });
  }

  report(): StartupReport {
    const states = [...this.dependencies.values()];
    return {
      status: 'starting',
      phase: this.currentPhase,
      checks: Object.fromEntries(states.map((state) => [state.target.name, state.check])),
      waitingFor: states
        .filter((state) => state.target.required && state.check !== 'ok')
        .map((state) => ({ dependency: state.target.name, variable: state.target.variable, reason: state.reason ?? 'not-tried-yet', attempts: state.attempts })),
    };
  }

  /** A sentence for a refused request: "waiting for Redis (REDIS_URL): unreachable". */
  describe(): string {
    const waiting = this.report().waitingFor;
    if (waiting.length === 0) return 'The gateway is starting; retry shortly.';
    const parts = waiting.map((entry) => `${this.dependencies.get(entry.dependency)?.target.label ?? entry.dependency} (${entry.variable}): ${entry.reason}`);
    return `The gateway is starting and waiting for ${parts.join('; ')}. Retry shortly.`;
  }
}
