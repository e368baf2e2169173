import type { Cloud } from '../api';
import { EsGuardError } from '../errors';
import type { Logger } from '../logging';
import type { CloudEvent, FcContext } from '../triggers';
import { depsFor, writeDepsFor } from './deps';
import { decodeEvents, distinctEvents } from './event-changes';
import { type Refusal, refusedInOrder, reportRefusals } from './refusals';
import { type ChangeState, submitChanges } from './submit';

interface EventsSummary {
  readonly events: number;
  readonly applied: number;
  readonly replayed: number;
  readonly refused: number;
  readonly pending: number;
}

function summaryOf(events: number, states: readonly ChangeState[], refusals: readonly Refusal[]): EventsSummary {
  return {
    events,
    applied: states.filter((s) => s.state === 'applied').length,
    replayed: states.filter((s) => s.replayed).length,
    refused: refusals.length,
    pending: states.filter((s) => s.state === 'pending').length,
  };
}

function logSummary(log: Logger, summary: EventsSummary, states: readonly ChangeState[]): void {
  log.info('whitelist.events', {
    ...summary,
    changes: states.map((s) => ({ changeId: s.changeId, state: s.state, seq: s.seq ?? null })),
  });
}

/** Changes still pending fail the invocation, so FC's async retry waits for them again (nothing is applied twice). */
function throwIfPending(states: readonly ChangeState[], changes: number): void {
  const pending = states.filter((s) => s.state === 'pending');
  if (pending.length === 0) return;
  throw new EsGuardError(
    503,
    'ChangesPending',
    `${pending.length} of ${changes} changes are recorded but not applied yet (${pending[0]!.pendingReason ?? 'pending'})` +
      `; a retry waits for them again: ${pending.map((p) => p.changeId).join(', ')}`,
  );
}

/**
 * Events (one per invocation from the Default bus; arrays only from an event-streaming source). Each is
 * recorded by its id + source, so a redelivery is the same change, and applied exactly once by the
 * instance's reconciler. A refused event cannot be fixed by retrying it: it is reported (log and outcome
 * event) and the invocation succeeds. Anything still pending at the deadline, or a failure a retry can
 * fix, fails the invocation so FC's async retry (and at last the dead-letter destination) takes over;
 * the retry finds the same records and changes nothing twice.
 */
export async function onEvents(events: readonly CloudEvent[], context: FcContext, cloud: Cloud): Promise<unknown> {
  const deps = depsFor(context, cloud);
  const { changes, refusals } = await decodeEvents(distinctEvents(events), context, cloud, deps);
  // Recorded, then decided by the instance's reconciler; a redelivered event meets its first record.
  const states =
    changes.length > 0 ? await submitChanges(writeDepsFor(context, cloud, deps), changes, { wait: true, onConflict: 'first-wins' }) : [];
  refusals.push(...refusedInOrder(states, changes));
  const summary = summaryOf(events.length, states, refusals);
  logSummary(deps.log, summary, states);
  await reportRefusals(refusals, context, deps.deadline, deps.log);
  throwIfPending(states, changes.length);
  return { ...summary, rejected: refusals.map((r) => ({ sources: [r.source], changeId: r.changeId, code: r.code, message: r.message })) };
}
