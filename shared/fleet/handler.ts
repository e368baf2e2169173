import * as z from 'zod/mini';
import { cloudFor } from '../api';
import { mapPool } from '../concurrency';
import { type Env, endpointFor, regionOf } from '../config';
import { credentialsFor } from '../credentials';
import { EsGuardError, ValidationError } from '../errors';
import { invocationDeadline } from '../invocation';
import { logger } from '../logging';
import { publishDeadline, publishOutcome, rotationStuck } from '../outcomes';
import type { FcContext, HttpResult, Trigger } from '../triggers';
import { booleanQuery, createRouter } from '../triggers';
import { capIssues, check } from '../validation';
import type { RegionApis } from './deps';
import { fc2Invoker } from './fc2-invoker';
import { fc3Invoker } from './fc3-invoker';
import { runFleet } from './run';
import { type FleetSettings, fleetSettings } from './settings';
import type { FleetSummary } from './summary';

/** The HTTP trigger's "run now": `POST /fleet/rotations` (`?dryRun=true` answers the plan and queues nothing). */
export const FLEET_ROUTE = 'POST /fleet/rotations';
let router: ReturnType<typeof createRouter<true>> | undefined;

const optionsSchema = z.strictObject({ dryRun: z.optional(z.boolean()) });

/**
 * The rotate-fleet function's job for one decoded trigger. The run ends with one `fleet.summary` log
 * record. HTTP answers the summary (200, or 502 when something failed); a timer or direct invocation
 * throws when something failed, so FC's async retry runs it again: already queued instances then meet
 * their task id (409) and are not queued twice.
 */
export async function handleFleetTrigger(trigger: Trigger, context: FcContext, env: Env = process.env): Promise<FleetSummary | HttpResult> {
  const startedAt = Date.now();
  const dryRun = dryRunOf(trigger);
  const settings = fleetSettings(env);
  const regions = settings.regions.length > 0 ? settings.regions : [regionOf(env, context)];
  const summary = await runFleet(
    { settings, regions, apis: regionApis(context, settings, env), deadline: invocationDeadline(context, startedAt) },
    { dryRun },
  );
  logSummary(summary);
  if (!dryRun) await publishStuck(summary, context, env, publishDeadline(context, startedAt));
  const failed = summary.counts.failed > 0;
  if (trigger.kind === 'http') return { statusCode: failed ? 502 : 200, body: { RequestId: context.requestId, ...summary } };
  if (failed) {
    const first = summary.failed.slice(0, 5).map((f) => `${f.instanceId ?? f.region}: ${f.code}`);
    throw new EsGuardError(
      502,
      'FleetRunIncomplete',
      `${summary.counts.failed} instance(s) or region(s) failed (${first.join('; ')}${summary.counts.failed > 5 ? '; ...' : ''})` +
        `; a re-run skips what was queued`,
    );
  }
  return summary;
}

function dryRunOf(trigger: Trigger): boolean {
  switch (trigger.kind) {
    case 'http': {
      router ??= createRouter({ [FLEET_ROUTE]: true as const });
      router.match(trigger.http);
      return booleanQuery(trigger.http, 'dryRun');
    }
    case 'timer':
      return payloadOptions(trigger.timer.payload).dryRun ?? false;
    case 'direct':
      return payloadOptions(trigger.payload ?? {}).dryRun ?? false;
    case 'events':
      throw new ValidationError([
        {
          field: 'event',
          rule: 'trigger-kind',
          message: 'rotate-fleet runs from its timer, its HTTP trigger or a direct invocation, not from events',
        },
      ]);
  }
}

/** Timer payloads and direct invocations may only say `{"dryRun": true|false}`; a typo is an error, not a real run. */
function payloadOptions(value: unknown): z.output<typeof optionsSchema> {
  const r = check(optionsSchema, value, 'payload');
  if (r.ok) return r.value;
  throw new ValidationError(
    capIssues(
      r.issues.map((i) => ({ ...i, field: i.field === 'payload' ? i.field : `payload.${i.field}` })),
      'payload',
    ),
  );
}

/**
 * Each region through its own endpoints (`<SERVICE>_ENDPOINT` overrides send all regions to one): the
 * instance's secret lives in its region's KMS, and the rotate function that can reach the cluster runs
 * in its region, so it is invoked there.
 */
function regionApis(context: FcContext, settings: FleetSettings, env: Env): (region: string) => RegionApis {
  const cache = new Map<string, RegionApis>();
  return (region) => {
    let apis = cache.get(region);
    if (apis) return apis;
    const ctx = { ...context, region };
    const cloud = cloudFor(ctx, { env });
    const invoker =
      settings.transport === 'fc2'
        ? () =>
            fc2Invoker({
              accountId: accountOf(context, env),
              region,
              endpoint: endpointFor('fc', env, ctx),
              serviceName: settings.fc2ServiceName ?? '',
              credentials: credentialsFor(context),
            })
        : () => Promise.resolve(fc3Invoker(cloud.fc));
    apis = { es: cloud.es, kms: cloud.kms, invoker };
    cache.set(region, apis);
    return apis;
  };
}

function accountOf(context: FcContext, env: Env): string {
  const account = context.accountId || env['FC_ACCOUNT_ID'];
  if (!account)
    throw new EsGuardError(500, 'InvalidConfiguration', 'the account id is unknown (FC passes it in the context; else set FC_ACCOUNT_ID)');
  return account;
}

/** One `es-guard:rotation:stuck` outcome per stuck rotation this run found (publishing never throws). */
async function publishStuck(summary: FleetSummary, context: FcContext, env: Env, deadline: number): Promise<void> {
  const stuck = summary.pending.filter((p) => p.state === 'stuck' && p.action !== undefined && p.action !== 'planned');
  await mapPool(stuck, 8, (p) =>
    publishOutcome(
      rotationStuck(
        { instanceId: p.instanceId, secretName: p.secretName },
        {
          pendingVersionId: p.versionId,
          pendingAgeSeconds: p.ageSeconds,
          action: p.action as 'resumed' | 'already-dispatched' | 'in-flight' | 'failed',
          ...(p.taskId !== undefined && { taskId: p.taskId }),
        },
      ),
      { context, env, deadline },
    ),
  );
}

/**
 * The one record a run leaves. Counts are exact; the id lists are what an operator searches for (the
 * logger keeps the first 200 of each list, the HTTP answer has them all).
 */
function logSummary(s: FleetSummary): void {
  const skippedByReason: Record<string, string[]> = {};
  for (const k of s.skipped) {
    skippedByReason[k.reason] ??= [];
    skippedByReason[k.reason]!.push(k.instanceId);
  }
  const fields = {
    dryRun: s.dryRun,
    transport: s.transport,
    functionName: s.functionName,
    regions: s.regions,
    tag: s.tag,
    intervalSeconds: s.intervalSeconds,
    period: s.period,
    concurrency: s.concurrency,
    spreadSeconds: s.spreadSeconds,
    durationMs: s.durationMs,
    tagged: s.counts.tagged,
    due: s.counts.due,
    dispatched: s.counts.dispatched,
    skipped: s.counts.skipped,
    failed: s.counts.failed,
    ...(s.dryRun ? { planned: s.due.map((d) => d.instanceId) } : { dispatchedInstances: s.dispatched.map((d) => d.instanceId) }),
    skippedInstances: skippedByReason,
    failures: s.failed,
    resumePendingAfterSeconds: s.resumePendingAfterSeconds,
    // Operators' view of the fleet: how old each password is, and every rotation left pending or failed.
    oldestCurrentAgeSeconds: s.currentAges.reduce<number | null>(
      (m, a) => (a.ageSeconds !== null && (m === null || a.ageSeconds > m) ? a.ageSeconds : m),
      null,
    ),
    currentAges: Object.fromEntries(s.currentAges.map((a) => [a.instanceId, a.ageSeconds])),
    pendingRotations: s.pending,
    failedRotations: s.failedRotations,
  };
  const log = logger();
  if (s.counts.failed > 0 || s.failedRotations.length > 0 || s.pending.some((p) => p.state === 'stuck')) log.warn('fleet.summary', fields);
  else log.info('fleet.summary', fields);
}
