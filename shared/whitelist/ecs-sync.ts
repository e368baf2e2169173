import type { EcsApi } from '../api';
import type { CloudEvent } from '../triggers';
import { tolerantCanonical } from './view';
import type { SourcedChange } from './coalesce';
import type { Groups } from './model';

export const ECS_SOURCE = 'acs.ecs';
export const ECS_STATE_CHANGE = 'ecs:Instance:StateChange';

export function isEcsStateEvent(event: CloudEvent): boolean {
  return event.source === ECS_SOURCE && event.type === ECS_STATE_CHANGE;
}

interface EcsStateData {
  readonly resourceId: string;
  readonly state: string;
}

function stateData(event: CloudEvent): EcsStateData | undefined {
  const d = event.data;
  if (!d || typeof d !== 'object') return undefined;
  const { resourceId, state } = d as Record<string, unknown>;
  return typeof resourceId === 'string' && typeof state === 'string' ? { resourceId, state } : undefined;
}

export interface EcsSyncTarget {
  readonly instanceId: string;
  readonly groupName: string;
  readonly regionId: string;
}

/**
 * Turns an ECS state event into a change of the synced group. A Running instance's private IPs are
 * added (the group is created on first use). A released instance cannot be looked up any more, so on
 * Deleted the group is reconciled: entries no ECS instance holds any longer are removed. The synced group
 * therefore belongs to es-guard; hand-made entries go in other groups.
 */
export async function ecsChange(ecs: EcsApi, event: CloudEvent, target: EcsSyncTarget, groups: Groups): Promise<SourcedChange | undefined> {
  const data = stateData(event);
  if (!data) return undefined;
  const source = `${event.source}#${event.id}`;
  const region = typeof event.aliyunregionid === 'string' && event.aliyunregionid ? event.aliyunregionid : target.regionId;
  const current = groups.get(target.groupName);
  const group = { kind: 'group' as const, groupName: target.groupName };

  if (data.state === 'Running') {
    const { instances } = await ecs.describeInstances({ regionId: region, instanceIds: [data.resourceId] });
    const ips = instances.filter((i) => i.status === 'Running').flatMap((i) => i.privateIps.map(tolerantCanonical));
    if (ips.length === 0) return undefined;
    return { instanceId: target.instanceId, mode: current === undefined ? 'Cover' : 'Append', target: group, ips, source };
  }
  if (data.state === 'Deleted') {
    if (!current || current.length === 0) return undefined;
    // DescribeInstances takes at most 100 addresses a call; each address belongs to one instance at most.
    const held = new Set<string>();
    for (let i = 0; i < current.length; i += 100) {
      const { instances } = await ecs.describeInstances({ regionId: region, privateIpAddresses: current.slice(i, i + 100) });
      for (const inst of instances) if (inst.status !== 'Deleted') for (const ip of inst.privateIps) held.add(tolerantCanonical(ip));
    }
    const stale = current.filter((ip) => !held.has(ip));
    if (stale.length === 0) return undefined;
    // Delete may not empty a group; the seed's way to remove a group is Cover with no entries.
    if (stale.length === current.length) return { instanceId: target.instanceId, mode: 'Cover', target: group, ips: [], source };
    return { instanceId: target.instanceId, mode: 'Delete', target: group, ips: stale, source };
  }
  return undefined;
}
