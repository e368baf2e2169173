/** The publisher behind `publishOutcome` (see index.ts for the contract). */
import { randomUUID } from 'node:crypto';
import { EventBridgeApi } from '../api';
import type { Env } from '../config';
import { ConfigError, endpointFor, intSetting, regionOf } from '../config';
import { credentialsFor } from '../credentials';
import { logger } from '../logging';
import { isSecretKey, redactValue } from '../redaction';

export type OutcomeScalar = string | number | boolean | null;
export type OutcomeValue = OutcomeScalar | readonly OutcomeScalar[];

export interface Outcome {
  readonly type: `es-guard:${string}`;
  readonly subject: string;
  readonly data: Readonly<Record<string, OutcomeValue | undefined>>;
  readonly id?: string;
}

export interface PublishOptions {
  /** The FC context: its credentials, region and account are used. */
  readonly context?: unknown;
  readonly env?: Env;
  /** Epoch ms the publisher must be done by (the invocation's own deadline); the earlier of this and the timeout wins. */
  readonly deadline?: number;
}

export type PublishResult =
  | { readonly published: true; readonly eventId: string; readonly requestId: string | undefined }
  | {
      readonly published: false;
      readonly reason: 'not-configured' | 'invalid-configuration' | 'refused' | 'failed';
      readonly code?: string;
    };

/** Bus names: letters, digits, `-` and `_` (*assumed* from the console's rule), at most 127. */
const BUS_NAME = /^[A-Za-z0-9_-]{1,127}$/;
const TYPE = /^es-guard:[A-Za-z0-9_.:-]{1,120}$/;
const MAX_STRING = 1024;
const MAX_ARRAY = 100;
/** Well under PutEvents' 64 KB an event, leaving room for the envelope. */
const MAX_DATA_BYTES = 48 * 1024;

/** The outcome's data as it may leave the process: secret-named keys dropped, known secrets scrubbed, sizes bounded. */
export function outcomeData(data: Outcome['data']): Record<string, OutcomeValue> {
  const out: Record<string, OutcomeValue> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || isSecretKey(key)) continue;
    const clean = redactValue(value, { maxStringLength: MAX_STRING, maxArrayLength: MAX_ARRAY, maxDepth: 2 });
    if (clean === undefined) continue;
    out[key] = clean as OutcomeValue;
  }
  // PutEvents takes at most 64 KB an event: rather than have the bus refuse it, keep the scalars (ids, codes) and drop lists.
  if (Buffer.byteLength(JSON.stringify(out)) > MAX_DATA_BYTES) {
    for (const [key, value] of Object.entries(out))
      if (Array.isArray(value)) out[key] = `[${value.length} items, left out: the event would exceed 64 KB]`;
  }
  return out;
}

export async function publishOutcome(outcome: Outcome, options: PublishOptions = {}): Promise<PublishResult> {
  const env = options.env ?? process.env;
  const bus = env['OUTCOME_EVENT_BUS'];
  if (bus === undefined || bus === '') return { published: false, reason: 'not-configured' };
  const log = logger();
  try {
    if (!BUS_NAME.test(bus)) {
      log.error('outcome not published: OUTCOME_EVENT_BUS is not a bus name (letters, digits, - and _, at most 127)', {
        type: outcome.type,
      });
      return { published: false, reason: 'invalid-configuration', code: 'InvalidEventBusName' };
    }
    if (!TYPE.test(outcome.type)) {
      log.error('outcome not published: the type must be es-guard:<area>:<what>', { type: outcome.type });
      return { published: false, reason: 'invalid-configuration', code: 'InvalidOutcomeType' };
    }
    const ctx = (options.context ?? {}) as { region?: string; accountId?: string };
    const timeoutMs = intSetting(env, 'OUTCOME_TIMEOUT_MS', 3_000, { min: 100, max: 60_000 });
    const deadline = Math.min(options.deadline ?? Number.POSITIVE_INFINITY, Date.now() + timeoutMs);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      log.warn('outcome not published: no time left in the invocation', { type: outcome.type, subject: outcome.subject });
      return { published: false, reason: 'failed', code: 'DeadlineReached' };
    }
    const api = new EventBridgeApi({
      endpoint: endpointFor('eventbridge', env, {
        region: regionOf(env, ctx),
        ...(ctx.accountId !== undefined && { accountId: ctx.accountId }),
      }),
      credentials: credentialsFor(options.context),
      timeoutMs: Math.max(1, Math.min(remaining, 2_000)),
      retry: { maxAttempts: 2 },
      userAgent: 'es-guard/0.1',
    });
    const id = outcome.id ?? randomUUID();
    const result = await api.putEvents(
      bus,
      [
        {
          id,
          source: env['OUTCOME_EVENT_SOURCE'] || 'es-guard',
          type: outcome.type,
          subject: outcome.subject,
          time: new Date().toISOString(),
          data: outcomeData(outcome.data),
        },
      ],
      { deadline },
    );
    const entry = result.entries[0];
    if (result.failedEntryCount > 0 || entry === undefined || entry.errorCode !== undefined) {
      log.warn('outcome not published: the bus refused the event', {
        type: outcome.type,
        subject: outcome.subject,
        code: entry?.errorCode,
        reason: entry?.errorMessage,
        apiRequestId: result.requestId,
      });
      return { published: false, reason: 'refused', code: entry?.errorCode ?? 'NoEntry' };
    }
    log.info('outcome published', {
      type: outcome.type,
      subject: outcome.subject,
      eventId: entry.eventId ?? id,
      apiRequestId: result.requestId,
    });
    return { published: true, eventId: entry.eventId ?? id, requestId: result.requestId };
  } catch (error) {
    // A wrong setting is the operator's to fix, as a wrong bus name is: said once as an error, never thrown.
    if (error instanceof ConfigError) {
      log.error(`outcome not published: ${error.message}`, { type: outcome.type });
      return { published: false, reason: 'invalid-configuration', code: error.code };
    }
    const code =
      typeof (error as { code?: unknown }).code === 'string'
        ? (error as { code: string }).code
        : error instanceof Error
          ? error.name
          : 'Error';
    log.warn('outcome not published', { type: outcome.type, subject: outcome.subject, code, err: error });
    return { published: false, reason: 'failed', code };
  }
}

/**
 * The latest moment an outcome may still be sent: the function's whole timeout less 1.5 s to answer. Later
 * than `invocationDeadline` on purpose, since the outcome of a rotation that ran into that deadline is
 * exactly the one to tell.
 */
export function publishDeadline(context: { function?: { timeout?: number } } | undefined, startedAt: number): number {
  const timeoutSec = context?.function?.timeout;
  const budgetMs = typeof timeoutSec === 'number' && timeoutSec > 0 ? timeoutSec * 1000 : 60_000;
  return startedAt + budgetMs - Math.min(1_500, Math.floor(budgetMs * 0.05));
}
