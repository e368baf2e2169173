import type { ElasticsearchApi, KmsApi, Tag } from '../api';
import { isInstanceAllowed } from '../config/allow-list';
import { secretNameFor } from '../rotation/secret';
import { isInstanceId } from '../validation/instance';
import { assess, errorFields, type DueReason } from './due';
import { hasTag, listTagged, type Listing } from './inventory';
import { mapPool } from './pool';
import { effectiveWindow, fleetTaskId, rotationPeriod, startOffsets } from './schedule';
import type { FleetSettings, FleetTransport } from './settings';
import { dispatch, type Invoker } from './transport';

/** The APIs of one region: its Elasticsearch and KMS endpoints, and FC there to invoke the rotate function. */
export interface RegionApis {
  readonly es: ElasticsearchApi;
  readonly kms: KmsApi;
  /** Created on first dispatch: a dry run or a run with nothing due never builds it. */
  readonly invoker: () => Promise<Invoker>;
}

export interface FleetDeps {
  readonly settings: FleetSettings;
  /** The regions to list, in order (an instance listed by two regions is kept in the first). */
  readonly regions: readonly string[];
  readonly apis: (region: string) => RegionApis;
  /** Epoch ms after which nothing new starts (`invocationDeadline`). */
  readonly deadline: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type SkipReason = 'fresh' | 'already-dispatched' | 'not-allowed' | 'untagged' | 'invalid-instance-id' | 'instance-inactive' | 'instance-invalid';

/** One due instance and when its invocation starts: a dry run's answer, and the plan a real run follows. */
export interface PlannedRotation {
  readonly instanceId: string;
  readonly region: string;
  readonly secretName: string;
  readonly reason: DueReason;
  /** Age of ACSCurrent, when it has one. */
  readonly ageSeconds: number | undefined;
  readonly taskId: string;
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
  readonly transport: FleetTransport;
  readonly functionName: string;
  readonly tag: Tag;
  readonly regions: readonly string[];
  readonly intervalSeconds: number;
  /** floor(now / interval): task ids repeat within it. */
  readonly period: number;
  readonly concurrency: number;
  /** The start window used (the configured one, capped by the deadline). */
  readonly spreadSeconds: number;
  readonly counts: { readonly tagged: number; readonly due: number; readonly dispatched: number; readonly skipped: number; readonly failed: number };
  readonly due: readonly PlannedRotation[];
  readonly dispatched: readonly { readonly instanceId: string; readonly taskId: string; readonly requestId: string | undefined; readonly attempts: number }[];
  readonly skipped: readonly { readonly instanceId: string; readonly reason: SkipReason; readonly ageSeconds?: number }[];
  readonly failed: readonly FleetFailure[];
  readonly durationMs: number;
}

interface Candidate {
  readonly instanceId: string;
  readonly region: string;
  readonly secretName: string;
}

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One fleet run: list the tagged instances of every region, find those whose password is due, and queue
 * one async rotate-function invocation per due instance under a task id fixed by (instance, period), at
 * most `concurrency` at a time and spread over the start window. Nothing here waits for a rotation:
 * rotate-password does that, one invocation per cluster, with FC's retries behind it. A dry run stops
 * after the plan. Failures of one instance (or one region) never stop the others.
 */
export async function runFleet(deps: FleetDeps, options: { readonly dryRun: boolean }): Promise<FleetSummary> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? sleepFor;
  const { settings } = deps;
  const startedAt = now();
  const period = rotationPeriod(startedAt, settings.intervalSeconds);
  const failed: FleetFailure[] = [];
  const skipped: { instanceId: string; reason: SkipReason; ageSeconds?: number }[] = [];

  // 1. The fleet: every region's tagged instances, each checked again here before it is trusted.
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  let tagged = 0;
  for (const region of deps.regions) {
    let listing: Listing;
    try {
      listing = await listTagged(deps.apis(region).es, settings.tag, deps.deadline);
    } catch (error) {
      failed.push({ instanceId: undefined, region, stage: 'list', ...errorFields(error) });
      continue;
    }
    for (const instance of listing.instances) {
      const id = instance.instanceId;
      // One endpoint can serve several regions (ES_ENDPOINT): the same instance is then listed twice.
      if (seen.has(id)) continue;
      seen.add(id);
      if (!hasTag(instance, settings.tag)) {
        skipped.push({ instanceId: id, reason: 'untagged' });
        continue;
      }
      tagged += 1;
      if (!isInstanceId(id)) skipped.push({ instanceId: id, reason: 'invalid-instance-id' });
      else if (!isInstanceAllowed(settings.allowedInstanceIds, id)) skipped.push({ instanceId: id, reason: 'not-allowed' });
      // No change is possible on these; rotate-password would wait out its whole timeout, three times.
      else if (instance.status === 'inactive' || instance.status === 'invalid') skipped.push({ instanceId: id, reason: `instance-${instance.status}` });
      else candidates.push({ instanceId: id, region, secretName: secretNameFor(settings.secretNameTemplate, id) });
    }
  }

  // 2. Which are due: one secret read each, `concurrency` at a time.
  const assessed = await mapPool(candidates, settings.concurrency, async (c) => ({ c, a: await assess(deps.apis(c.region).kms, c, settings.intervalSeconds, startedAt, deps.deadline) }));
  const due: Omit<PlannedRotation, 'startOffsetMs'>[] = [];
  for (const { c, a } of assessed) {
    if (a.kind === 'fresh') skipped.push({ instanceId: c.instanceId, reason: 'fresh', ageSeconds: a.ageSeconds });
    else if (a.kind === 'failed') failed.push({ instanceId: c.instanceId, region: c.region, stage: 'assess', code: a.code, message: a.message });
    else due.push({ ...c, reason: a.reason, ageSeconds: a.ageSeconds, taskId: fleetTaskId(c.instanceId, period, settings.intervalSeconds) });
  }
  due.sort((x, y) => (x.instanceId < y.instanceId ? -1 : x.instanceId > y.instanceId ? 1 : 0));

  // 3. When each starts: jittered slots over the window, the same plan for every run of the period.
  const windowMs = effectiveWindow(settings.spreadSeconds * 1000, now(), deps.deadline);
  const offsets = startOffsets(
    due.map((d) => d.instanceId),
    windowMs,
    String(period),
  );
  const plan: PlannedRotation[] = due.map((d, i) => ({ ...d, startOffsetMs: offsets[i]! }));

  const dispatched: FleetSummary['dispatched'][number][] = [];
  if (!options.dryRun && plan.length > 0) {
    // 4. Fan out. Workers take rotations in start order and wait for each one's slot.
    const dispatchStart = now();
    const invokers = new Map<string, Promise<Invoker>>();
    const invokerFor = (region: string): Promise<Invoker> => {
      let p = invokers.get(region);
      if (!p) invokers.set(region, (p = deps.apis(region).invoker()));
      return p;
    };
    await mapPool(plan, settings.concurrency, async (p) => {
      const startAt = dispatchStart + p.startOffsetMs;
      if (startAt >= deps.deadline) {
        failed.push({ instanceId: p.instanceId, region: p.region, stage: 'dispatch', code: 'DeadlineReached', message: 'not dispatched before the function deadline; the next run picks it up' });
        return;
      }
      const wait = startAt - now();
      if (wait > 0) await sleep(wait);
      let invoker: Invoker;
      try {
        invoker = await invokerFor(p.region);
      } catch (error) {
        failed.push({ instanceId: p.instanceId, region: p.region, stage: 'dispatch', ...errorFields(error) });
        return;
      }
      const result = await dispatch(
        invoker,
        { functionName: settings.functionName, qualifier: settings.qualifier, payload: { instanceId: p.instanceId, secretName: p.secretName }, taskId: p.taskId },
        { deadline: deps.deadline, sleep },
      );
      if (result.kind === 'dispatched') dispatched.push({ instanceId: p.instanceId, taskId: p.taskId, requestId: result.requestId, attempts: result.attempts });
      else if (result.kind === 'exists') skipped.push({ instanceId: p.instanceId, reason: 'already-dispatched' });
      else failed.push({ instanceId: p.instanceId, region: p.region, stage: 'dispatch', code: result.code, message: result.message });
    });
  }

  // Workers finish in any order; the answer lists instances in a stable order.
  const byId = (a: { instanceId: string | undefined }, b: { instanceId: string | undefined }): number => ((a.instanceId ?? '') < (b.instanceId ?? '') ? -1 : (a.instanceId ?? '') > (b.instanceId ?? '') ? 1 : 0);
  dispatched.sort(byId);
  skipped.sort(byId);
  failed.sort(byId);

  return {
    dryRun: options.dryRun,
    transport: settings.transport,
    functionName: settings.functionName,
    tag: settings.tag,
    regions: deps.regions,
    intervalSeconds: settings.intervalSeconds,
    period,
    concurrency: settings.concurrency,
    spreadSeconds: windowMs / 1000,
    counts: { tagged, due: plan.length, dispatched: dispatched.length, skipped: skipped.length, failed: failed.length },
    due: plan,
    dispatched,
    skipped,
    failed,
    durationMs: now() - startedAt,
  };
}
