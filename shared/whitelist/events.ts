import { toCallerError, type Cloud } from '../api';
import { regionOf } from '../config/endpoints';
import { EsGuardError } from '../errors';
import type { CloudEvent, FcContext } from '../triggers';
import { coalesce, type CoalescedChange, type SourcedChange } from './coalesce';
import { depsFor } from './deps';
import { ecsChange, isEcsStateEvent } from './ecs-sync';
import { assertEntriesAllowed, assertInstanceAllowed } from './guardrails';
import { groupNameOf } from './model';
import { changeOf, parseEventRequest } from './requests';
import { applyWhitelistChange, clientTokenFor, type Applied, type WhitelistDeps } from './service';
import { groupsOf } from './view';

interface EventFailure {
  readonly sources: readonly string[];
  readonly code: string;
  readonly message: string;
  readonly permanent: boolean;
}

/** Each event's request, deduplicated by id + source (delivery is at least once); bad ones are failures. */
async function changesFromEvents(events: readonly CloudEvent[], context: FcContext, cloud: Cloud, deps: WhitelistDeps, failures: EventFailure[]): Promise<SourcedChange[]> {
  const seen = new Set<string>();
  const changes: SourcedChange[] = [];
  for (const event of events) {
    const source = `${event.source}#${event.id}`;
    if (seen.has(source)) continue;
    seen.add(source);
    try {
      if (isEcsStateEvent(event)) {
        const sync = deps.settings.ecsSync;
        if (!sync) {
          deps.log.info('whitelist.ecs-event-ignored', { source, reason: 'ECS_SYNC_INSTANCE_ID / ECS_SYNC_GROUP unset' });
          continue;
        }
        const { instance } = await cloud.es.describeInstance(sync.instanceId, { deadline: deps.deadline });
        const change = await ecsChange(cloud.ecs, event, { ...sync, regionId: regionOf(process.env, context) }, groupsOf(instance));
        if (change) changes.push(change);
        else deps.log.info('whitelist.ecs-event-no-change', { source });
        continue;
      }
      const change = changeOf(parseEventRequest(event.data), source);
      // Checked per event, before coalescing, so one refused event cannot sink the others it merges with.
      assertInstanceAllowed(change.instanceId, deps.settings);
      assertEntriesAllowed(change, deps.settings);
      changes.push(change);
    } catch (error) {
      failures.push(describeFailure([source], toCallerError(error)));
    }
  }
  return changes;
}

function describeFailure(sources: readonly string[], error: unknown): EventFailure {
  if (error instanceof EsGuardError) return { sources, code: error.code, message: error.message, permanent: error.status < 500 && error.status !== 409 && error.status !== 429 };
  return { sources, code: 'InternalError', message: error instanceof Error ? error.message : String(error), permanent: false };
}

/**
 * Applies a batch: coalesced per instance and group, instances in parallel, each instance's writes in
 * order. Refused events (invalid, guardrail, seed rule) are logged as `whitelist.rejected` and dropped;
 * a transient failure makes the batch throw so FC's async retry (and at last the dead-letter
 * destination) takes over. Re-applying what succeeded is harmless: its clientTokens replay.
 */
export async function onEvents(events: readonly CloudEvent[], context: FcContext, cloud: Cloud): Promise<unknown> {
  const deps = depsFor(context, cloud);
  const failures: EventFailure[] = [];
  const changes = coalesce(await changesFromEvents(events, context, cloud, deps, failures));
  const byInstance = new Map<string, CoalescedChange[]>();
  for (const c of changes) byInstance.set(c.instanceId, [...(byInstance.get(c.instanceId) ?? []), c]);
  const applied: Applied[] = [];
  await Promise.all(
    [...byInstance.values()].map(async (list) => {
      // After a transient failure the rest of the instance's changes wait for the redelivery: applied now,
      // they would land out of order, and on redelivery their clientTokens would replay instead of
      // re-applying them after the one that failed. A refusal changes nothing, so the rest go on.
      let blockedBy: EventFailure | undefined;
      for (const [i, change] of list.entries()) {
        if (blockedBy) {
          failures.push({ sources: change.sources, code: 'NotAttempted', message: `waits for ${blockedBy.sources.join('+')} (${blockedBy.code}) to be retried`, permanent: false });
          continue;
        }
        try {
          const group = groupNameOf(change.target);
          const touchedLater = list.slice(i + 1).some((c) => groupNameOf(c.target) === group);
          applied.push(await applyWhitelistChange(deps, change, clientTokenFor(change.sources), { writeUnchanged: touchedLater }));
        } catch (error) {
          const failure = describeFailure(change.sources, toCallerError(error));
          failures.push(failure);
          if (!failure.permanent) blockedBy = failure;
        }
      }
    }),
  );
  const summary = { events: events.length, writes: applied.filter((a) => !a.plan.noop).length, unchanged: applied.filter((a) => a.plan.noop).length, failed: failures.length };
  deps.log.info('whitelist.batch', { ...summary, failures });
  for (const f of failures.filter((x) => x.permanent)) deps.log.error('whitelist.rejected', { sources: f.sources, code: f.code, reason: f.message });
  // Only a failure that a retry can fix is thrown back to FC. Redelivering a batch whose failures are all
  // refusals would re-plan the refused changes against a whitelist the rest of the batch has changed
  // since: a Delete refused for emptying a group could pass after a later Cover, out of order.
  if (failures.some((f) => !f.permanent)) {
    throw new EsGuardError(502, 'BatchFailed', `${failures.length} of ${events.length} events failed: ${failures.map((f) => `${f.sources.join('+')}: ${f.code}`).join('; ')}`);
  }
  return { ...summary, rejected: failures.map((f) => ({ sources: f.sources, code: f.code, message: f.message })) };
}
