import { TransportError } from '../http/transport';
import { ApiError, BUSY_INSTANCE_CODES, isThrottling } from './errors';

export interface RetryPolicy {
  /** Attempts, the first included, before a failure is final; with `busyUntilDeadline`, busy answers do not count. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Keep retrying busy-instance answers until the call's deadline: an instance stays `activating` for
   * minutes after every change, which is worth waiting out; a failing service (5xx, network) is not.
   */
  readonly busyUntilDeadline: boolean;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 20_000, busyUntilDeadline: false };

export type RetryReason = 'transport' | 'server' | 'throttled' | 'busy';

/** Why an error is worth another attempt, or undefined when it is final (every other 4xx). */
export function retryReason(error: unknown): RetryReason | undefined {
  if (error instanceof TransportError) return error.code === 'ResponseTooLarge' ? undefined : 'transport';
  if (!(error instanceof ApiError)) return undefined;
  if (isThrottling(error.code, error.status)) return 'throttled';
  if (BUSY_INSTANCE_CODES.has(error.code)) return 'busy';
  if (error.status >= 500) return 'server';
  return undefined;
}

/**
 * Exponential backoff with full jitter (a uniform pick in [0, cap]) spreads retries of many callers;
 * a server's x-acs-retry-after is a floor, not a suggestion.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, error: unknown, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.floor(random() * cap);
  const floor = error instanceof ApiError && error.retryAfterMs !== undefined ? error.retryAfterMs : 0;
  return Math.max(jittered, floor);
}
