import { setTimeout as sleepFor } from 'node:timers/promises';
import { backoffDelay } from '../api';
import { DispatchError } from './errors';
import type { InvokeRequest, Invoker } from './invoker';

export type DispatchResult =
  | { readonly kind: 'dispatched'; readonly requestId: string | undefined; readonly attempts: number }
  | { readonly kind: 'exists' }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly attempts: number };

/**
 * Queues one invocation, retrying what may succeed (network, 5xx, throttling) with full-jitter backoff up
 * to the deadline. Re-sending is safe because the task id is fixed: FC starts the work at most once. So a
 * 409 on a *retry* means an earlier attempt of ours got through and only its answer was lost: that is
 * counted as dispatched, while a 409 on the first attempt means an earlier run queued it.
 */
export async function dispatch(
  invoker: Invoker,
  req: InvokeRequest,
  options: { deadline: number; maxAttempts?: number; baseDelayMs?: number; sleep?: (ms: number) => Promise<void>; random?: () => number },
): Promise<DispatchResult> {
  const maxAttempts = options.maxAttempts ?? 4;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await invoker.invoke(req, options.deadline);
      if (outcome.kind === 'queued') return { kind: 'dispatched', requestId: outcome.requestId, attempts: attempt };
      return attempt === 1 ? { kind: 'exists' } : { kind: 'dispatched', requestId: undefined, attempts: attempt };
    } catch (error) {
      const e =
        error instanceof DispatchError ? error : new DispatchError('Error', error instanceof Error ? error.message : String(error), false);
      // The client's own backoff, with the service's x-acs-retry-after (kept as the cause) as its floor.
      const policy = { maxAttempts, baseDelayMs: options.baseDelayMs ?? 200, maxDelayMs: 5_000, busyUntilDeadline: false };
      const delay = backoffDelay(policy, attempt - 1, e.cause, random);
      if (!e.retryable || attempt >= maxAttempts || Date.now() + delay >= options.deadline)
        return { kind: 'failed', code: e.code, message: e.message, attempts: attempt };
      await sleep(delay);
    }
  }
}
