/** What a breaker is keyed on: a provider, or a provider and one upstream model. */
export interface BreakerKey {
  provider: string;
  model?: string;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * Circuit breakers whose state lives in Redis, so every API and worker process agrees. The routing
 * planner skips routes whose breaker is open; workers record each call's outcome.
 */
export interface CircuitBreakers {
  /** Whether a call may go to this route now (closed, or half-open with a probe slot free). */
  allows(key: BreakerKey): Promise<boolean>;
  record(key: BreakerKey, outcome: 'success' | 'failure'): Promise<void>;
  /** Every breaker with recent activity, for the API and metrics. */
  list(): Promise<Array<BreakerKey & { state: BreakerState; failures: number; requests: number; openedAt: number | null }>>;
}
