import type { Cloud, EcsApi } from '../api';
import { regionOf } from '../config';
import type { CloudEvent, FcContext } from '../triggers';
import type { ChangeSpec, NewChange } from './records';
import type { WhitelistDeps } from './service';
import { tolerantCanonical } from './view';

export const ECS_SOURCE = 'acs.ecs';
export const ECS_STATE_CHANGE = 'ecs:Instance:StateChange';

export function isEcsStateEvent(event: CloudEvent): boolean {
  return event.source === ECS_SOURCE && event.type === ECS_STATE_CHANGE;
}

function stateData(event: CloudEvent): { resourceId: string; state: string } | undefined {
  const d = event.data;
  if (!d || typeof d !== 'object') return undefined;
  const { resourceId, state } = d as Record<string, unknown>;
  return typeof resourceId === 'string' && typeof state === 'string' ? { resourceId, state } : undefined;
}

/**
 * An ECS state event as a change of the synced group. A Running instance's private IPs are looked up now
 * (they are the event's facts) and added when the change is applied, creating the group if it is not
 * there yet. A released instance cannot be looked up any more, so Deleted is planned when it is applied:
 * entries that no ECS instance holds any longer, among what the group holds at that point, are removed.
 * The synced group therefore belongs to es-guard; hand-made entries go in other groups.
 */
export async function ecsChangeSpec(ecs: EcsApi, event: CloudEvent, groupName: string, regionId: string): Promise<ChangeSpec | undefined> {
  const data = stateData(event);
  if (!data) return undefined;
  if (data.state === 'Running') {
    const { instances } = await ecs.describeInstances({ regionId, instanceIds: [data.resourceId] });
    const ips = instances.filter((i) => i.status === 'Running').flatMap((i) => i.privateIps.map(tolerantCanonical));
    return ips.length === 0 ? undefined : { kind: 'ecs-running', groupName, resourceId: data.resourceId, ips };
  }
  if (data.state === 'Deleted') return { kind: 'ecs-deleted', groupName, resourceId: data.resourceId };
  return undefined;
}

/**
 * An ECS state event as a change of ECS_SYNC_INSTANCE_ID's synced group; none when ECS sync is off or the
 * event changes nothing (both logged). The instance is looked up in the event's region, else the function's.
 */
export async function ecsEventChange(
  event: CloudEvent,
  id: string,
  source: string,
  context: FcContext,
  cloud: Cloud,
  deps: WhitelistDeps,
): Promise<NewChange | undefined> {
  const sync = deps.settings.ecsSync;
  if (!sync) {
    deps.log.info('whitelist.ecs-event-ignored', { source, reason: 'ECS_SYNC_INSTANCE_ID / ECS_SYNC_GROUP unset' });
    return undefined;
  }
  const region = typeof event.aliyunregionid === 'string' && event.aliyunregionid ? event.aliyunregionid : regionOf(process.env, context);
  const spec = await ecsChangeSpec(cloud.ecs, event, sync.groupName, region);
  if (!spec) {
    deps.log.info('whitelist.ecs-event-no-change', { source });
    return undefined;
  }
  return { id, instanceId: sync.instanceId, spec, source };
}
