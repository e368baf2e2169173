export type EcsStatus = 'Pending' | 'Running' | 'Starting' | 'Stopping' | 'Stopped';
export const ECS_STATUSES: readonly EcsStatus[] = ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'];

export interface EcsInstanceSeed {
  readonly instanceId: string;
  readonly status?: EcsStatus;
  readonly privateIpAddress?: readonly string[];
  readonly regionId?: string;
  readonly zoneId?: string;
  readonly instanceName?: string;
  readonly vpcId?: string;
  readonly vswitchId?: string;
  readonly tags?: readonly { readonly tagKey: string; readonly tagValue: string }[];
}

export interface EcsInstanceRecord {
  readonly instanceId: string;
  status: EcsStatus;
  privateIpAddress: string[];
  readonly regionId: string;
  readonly zoneId: string;
  readonly instanceName: string;
  readonly vpcId: string;
  readonly vswitchId: string;
  readonly tags: { tagKey: string; tagValue: string }[];
  readonly creationTime: string;
}

/** A small ECS inventory: what the ECS-state-event feature looks up by instance ID. */
export class EcsInventory {
  private readonly records = new Map<string, EcsInstanceRecord>();

  add(seed: EcsInstanceSeed): EcsInstanceRecord {
    if (this.records.has(seed.instanceId)) throw new Error(`ECS instance ${seed.instanceId} already exists`);
    const record: EcsInstanceRecord = {
      instanceId: seed.instanceId,
      status: seed.status ?? 'Running',
      privateIpAddress: [...(seed.privateIpAddress ?? [])],
      regionId: seed.regionId ?? 'cn-hangzhou',
      zoneId: seed.zoneId ?? 'cn-hangzhou-h',
      instanceName: seed.instanceName ?? seed.instanceId,
      vpcId: seed.vpcId ?? 'vpc-local0001',
      vswitchId: seed.vswitchId ?? 'vsw-local0001',
      tags: (seed.tags ?? []).map((t) => ({ ...t })),
      creationTime: new Date().toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z'),
    };
    this.records.set(record.instanceId, record);
    return record;
  }

  find(instanceId: string): EcsInstanceRecord | undefined {
    return this.records.get(instanceId);
  }

  all(): EcsInstanceRecord[] {
    return [...this.records.values()];
  }

  setStatus(instanceId: string, status: EcsStatus): void {
    const record = this.records.get(instanceId);
    if (!record) throw new Error(`ECS instance ${instanceId} does not exist`);
    record.status = status;
  }

  setPrivateIps(instanceId: string, ips: readonly string[]): void {
    const record = this.records.get(instanceId);
    if (!record) throw new Error(`ECS instance ${instanceId} does not exist`);
    record.privateIpAddress = [...ips];
  }

  /** A released instance is gone from DescribeInstances, as after the `Deleted` state event. */
  remove(instanceId: string): boolean {
    return this.records.delete(instanceId);
  }
}
