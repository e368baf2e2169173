import type { Tag } from '../api';
import type { FleetDeps } from './deps';
import type { DueReason } from './due';
import type { FleetInvoker } from './settings';

/*
 * What a fleet run answers (the HTTP body, the `fleet.summary` record): the summary's types, the record
 * every step of runFleet adds to, and the summary made of it.
 */

export type SkipReason =
  | 'fresh'
  | 'already-dispatched'
  | 'not-allowed'
  | 'untagged'
  | 'invalid-instance-id'
  | 'instance-inactive'
  | 'instance-invalid'
  /** ACSPending younger than FLEET_RESUME_PENDING_AFTER_SECONDS: a rotation is under way; nothing is queued beside it. */
  | 'rotation-pending'
  /** Stuck, but FC still runs (or queues, or retries) an earlier dispatch of it: never two at once. */
  | 'resume-in-flight'
  /**
   * Stuck, on an FC API without GetAsyncTask (fc2): resumed only in the first half of its window, so two
   * are at least half a window apart.
   */
  | 'resume-window';

/** A rotation the fleet found pending (ACSPending), and what this run did about it. */
export interface PendingRotation {
  readonly instanceId: string;
  readonly secretName: string;
  readonly versionId: string;
  readonly ageSeconds: number | undefined;
  /** under-way: younger than the resume setting; stuck: older; stale: older than ACSCurrent (not resumed). */
  readonly state: 'under-way' | 'stuck' | 'stale';
  /**
   * Stuck only: resumed (queued now), already-dispatched (this window's resume was queued earlier), in-flight,
   * failed, planned (dry run).
   */
  readonly action?: 'resumed' | 'already-dispatched' | 'in-flight' | 'failed' | 'planned';
  readonly taskId?: string;
}

/** A rotation FC ran for this period and that ended without success (GetAsyncTask on a task id FC refused as existing). */
export interface FailedRotation {
  readonly instanceId: string;
  readonly taskId: string;
  readonly status: string;
}

/** One due instance and when its invocation starts: a dry run's answer, and the plan a real run follows. */
export interface PlannedRotation {
  readonly instanceId: string;
  readonly region: string;
  readonly secretName: string;
  /** `stuck`: a pending rotation outlived FLEET_RESUME_PENDING_AFTER_SECONDS and is dispatched again. */
  readonly reason: DueReason | 'stuck';
  /** Age of ACSCurrent, when it has one. */
  readonly ageSeconds: number | undefined;
  readonly taskId: string;
  /** Stuck only: the pending version resumed and which resume window this is. */
  readonly resume?: { readonly pendingVersionId: string; readonly pendingAgeSeconds: number | undefined; readonly index: number };
  /** Milliseconds after dispatch begins. */
  readonly startOffsetMs: number;
}

export interface FleetFailure {
  readonly instanceId: string | undefined;
  readonly region: string;
  readonly stage: 'list' | 'assess' | 'dispatch';
  readonly code: string;
  readonly message: string;
}

export interface FleetSummary {
  readonly dryRun: boolean;
  /** FLEET_TRANSPORT, as the summary has always reported it. */
  readonly transport: FleetInvoker;
  readonly functionName: string;
  readonly tag: Tag;
  readonly regions: readonly string[];
  readonly intervalSeconds: number;
  /** floor(now / interval): task ids repeat within it. */
  readonly period: number;
  readonly concurrency: number;
  /** The start window used (the configured one, capped by the deadline). */
  readonly spreadSeconds: number;
  readonly counts: {
    readonly tagged: number;
    readonly due: number;
    readonly dispatched: number;
    readonly skipped: number;
    readonly failed: number;
  };
  readonly due: readonly PlannedRotation[];
  readonly dispatched: readonly {
    readonly instanceId: string;
    readonly taskId: string;
    readonly requestId: string | undefined;
    readonly attempts: number;
  }[];
  readonly skipped: readonly { readonly instanceId: string; readonly reason: SkipReason; readonly ageSeconds?: number }[];
  readonly failed: readonly FleetFailure[];
  /** FLEET_RESUME_PENDING_AFTER_SECONDS. */
  readonly resumePendingAfterSeconds: number;
  /** Every assessed instance's ACSCurrent age (null: no secret, the placeholder, or no readable CreateTime). */
  readonly currentAges: readonly { readonly instanceId: string; readonly ageSeconds: number | null }[];
  /** Every pending rotation found (ACSPending), with what was done about it. */
  readonly pending: readonly PendingRotation[];
  /** Rotations FC ran for this period that failed (their task ids are spent; the next period retries). */
  readonly failedRotations: readonly FailedRotation[];
  readonly durationMs: number;
}

/** What a run has found so far; every step adds to it, and the summary sorts it. */
export interface RunRecord {
  readonly failed: FleetFailure[];
  readonly skipped: FleetSummary['skipped'][number][];
  readonly pending: Map<string, PendingRotation>;
  readonly currentAges: { instanceId: string; ageSeconds: number | null }[];
  readonly dispatched: FleetSummary['dispatched'][number][];
  readonly failedRotations: FailedRotation[];
}

/** The answer. Workers finish in any order; it lists instances in a stable order. */
export function summarise(
  deps: FleetDeps,
  dryRun: boolean,
  facts: {
    readonly period: number;
    readonly windowMs: number;
    readonly tagged: number;
    readonly plan: PlannedRotation[];
    readonly startedAt: number;
    readonly now: () => number;
  },
  run: RunRecord,
): FleetSummary {
  const { settings } = deps;
  const { dispatched, skipped, failed, currentAges, failedRotations } = run;
  const byId = (a: { instanceId: string | undefined }, b: { instanceId: string | undefined }): number =>
    (a.instanceId ?? '') < (b.instanceId ?? '') ? -1 : (a.instanceId ?? '') > (b.instanceId ?? '') ? 1 : 0;
  dispatched.sort(byId);
  skipped.sort(byId);
  failed.sort(byId);
  currentAges.sort(byId);
  failedRotations.sort(byId);
  const pendingList = [...run.pending.values()].sort(byId);

  return {
    dryRun,
    transport: settings.transport,
    functionName: settings.functionName,
    tag: settings.tag,
    regions: deps.regions,
    intervalSeconds: settings.intervalSeconds,
    period: facts.period,
    concurrency: settings.concurrency,
    spreadSeconds: facts.windowMs / 1000,
    counts: {
      tagged: facts.tagged,
      due: facts.plan.length,
      dispatched: dispatched.length,
      skipped: skipped.length,
      failed: failed.length,
    },
    due: facts.plan,
    dispatched,
    skipped,
    failed,
    resumePendingAfterSeconds: settings.resumePendingAfterSeconds,
    currentAges,
    pending: pendingList,
    failedRotations,
    durationMs: facts.now() - facts.startedAt,
  };
}
