import { type Cloud, classify, isRetryable, isRetryableTablestoreError } from '../api';
import type { CloudEvent, FcContext } from '../triggers';
import { ecsEventChange, isEcsStateEvent } from './ecs-sync';
import { assertEntriesAllowed, assertInstanceAllowed } from './guardrails';
import { eventChangeId, type NewChange } from './records';
import { type Refusal, refusalOf } from './refusals';
import { changeOf, parseEventRequest } from './requests';
import type { WhitelistDeps } from './service';

const transient = (error: unknown): boolean => isRetryableTablestoreError(error) || isRetryable(classify(error));

/** Each CloudEvent once: its identity is `source` + `id`, so a copy within one delivery is the same change. */
export function distinctEvents(events: readonly CloudEvent[]): CloudEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    const key = `${event.source}#${event.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A caller's UpdatePrivateNetworkWhiteIps request carried by an event, checked against the guardrails. */
function requestEventChange(event: CloudEvent, id: string, source: string, deps: WhitelistDeps): NewChange {
  const change = changeOf(parseEventRequest(event.data), source);
  assertInstanceAllowed(change.instanceId, deps.settings);
  assertEntriesAllowed(change, deps.settings);
  return {
    id,
    instanceId: change.instanceId,
    spec: { kind: 'request', mode: change.mode, target: change.target, ips: change.ips },
    source,
  };
}

/** An event's change (none for an ECS event that changes nothing), or why it is refused; a failure a retry can fix is thrown. */
async function changeOfEvent(
  event: CloudEvent,
  context: FcContext,
  cloud: Cloud,
  deps: WhitelistDeps,
): Promise<NewChange | Refusal | undefined> {
  const source = `${event.source}#${event.id}`;
  const id = eventChangeId(String(event.source), String(event.id));
  try {
    return isEcsStateEvent(event)
      ? await ecsEventChange(event, id, source, context, cloud, deps)
      : requestEventChange(event, id, source, deps);
  } catch (error) {
    if (transient(error)) throw error;
    return refusalOf(error, source, id, event.data);
  }
}

/** The events' changes and refusals, in delivery order; one after another, so a thrown retryable failure stops the rest. */
export async function decodeEvents(
  events: readonly CloudEvent[],
  context: FcContext,
  cloud: Cloud,
  deps: WhitelistDeps,
): Promise<{ changes: NewChange[]; refusals: Refusal[] }> {
  const changes: NewChange[] = [];
  const refusals: Refusal[] = [];
  for (const event of events) {
    const c = await changeOfEvent(event, context, cloud, deps);
    if (c === undefined) continue;
    if ('spec' in c) changes.push(c);
    else refusals.push(c);
  }
  return { changes, refusals };
}
