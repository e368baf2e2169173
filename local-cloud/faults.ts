import type { OperationName } from './operation';

/**
 * What can go wrong with one call, the way networks and services fail:
 * - `error`: the service refuses without doing anything (5xx, throttling with x-acs-retry-after);
 * - `delay`: the request waits before the service looks at it;
 * - `slow`: the service does the work, then answers late (a clientToken stays "in progress" meanwhile);
 * - `reset`: the connection drops before the service sees the request;
 * - `lost`: the service does the work and the answer never arrives.
 * `delay` and `slow` wait either `ms` or until a promise settles (for tests that must not race a clock).
 */
export type Fault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message?: string; readonly retryAfterMs?: number }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'delay'; readonly until: Promise<unknown> }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'slow'; readonly until: Promise<unknown> }
  | { readonly kind: 'reset' }
  | { readonly kind: 'lost' };

interface Rule {
  readonly operation: OperationName | '*';
  readonly fault: Fault;
  remaining: number;
}

/** Faults queued per operation, each used for a number of calls; consulted once per call by the dispatcher. */
export class FaultPlan {
  private rules: Rule[] = [];

  /** Applies `fault` to the next `times` calls of `operation` (default once; Infinity for always). */
  inject(operation: OperationName | '*', fault: Fault, times = 1): void {
    if (!(times > 0)) throw new Error(`fault times must be positive, got ${times}`);
    this.rules.push({ operation, fault, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this call, if any; consumes one use of it. */
  take(operation: OperationName): Fault | undefined {
    const rule = this.rules.find((r) => r.operation === operation || r.operation === '*');
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }

  get pending(): number {
    return this.rules.length;
  }
}
