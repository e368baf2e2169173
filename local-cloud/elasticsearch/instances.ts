import { ApiFaultError } from '../errors';
import { DEFAULT_GROUP, type InstanceRecord, type InstanceSeed, type InstanceStatus } from './model';
import { DEFAULT_SWITCHES } from './network';

export const instanceNotFound = (): ApiFaultError => new ApiFaultError(400, 'InstanceNotFound', 'The instanceId provided does not exist.');

/**
 * The instances and their lifecycle. A change puts an instance into `activating` for the activation
 * window; when the window ends it is `active` again and a pending admin password becomes the one the
 * data plane accepts, as the real cluster picks it up only after its change task.
 */
export class InstanceStore {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters = new Map<string, Array<() => void>>();

  constructor(private readonly defaultActivationMs: number) {}

  add(seed: InstanceSeed): InstanceRecord {
    if (this.records.has(seed.instanceId)) throw new Error(`instance ${seed.instanceId} already exists`);
    const now = new Date().toISOString();
    // `""` entries (the seed page's sample request has one) carry nothing and are dropped.
    const clean = (ips: readonly string[]) => ips.map((ip) => ip.trim()).filter((ip) => ip !== '');
    const groups = seed.whiteIpGroupList
      ? seed.whiteIpGroupList.map((g) => ({ groupName: g.groupName, ips: clean(g.ips), whiteIpType: g.whiteIpType }))
      : [{ groupName: DEFAULT_GROUP, ips: clean(seed.privateNetworkIpWhiteList ?? []), whiteIpType: 'PRIVATE_ES' as const }];
    const record: InstanceRecord = {
      instanceId: seed.instanceId,
      status: 'active',
      description: seed.description ?? seed.instanceId,
      groups,
      tags: (seed.tags ?? []).map((t) => ({ tagKey: t.tagKey, tagValue: t.tagValue })),
      health: seed.health ?? 'green',
      effectivePassword: seed.adminPassword,
      pendingPassword: undefined,
      esVersion: seed.esVersion ?? '7.10.0_with_X-Pack',
      regionId: seed.regionId ?? 'cn-hangzhou',
      zoneId: seed.zoneId ?? 'cn-hangzhou-h',
      vpcId: seed.vpcId ?? 'vpc-local0001',
      vswitchId: seed.vswitchId ?? 'vsw-local0001',
      resourceGroupId: seed.resourceGroupId ?? 'rg-local0001',
      createdAt: seed.createdAt ?? now,
      updatedAt: now,
      activationEndsAt: undefined,
      ...(seed.network && { network: { ...DEFAULT_SWITCHES, ...seed.network } }),
    };
    this.records.set(record.instanceId, record);
    // A seeded `activating` instance finishes its (unknown) change after one window, like any other.
    if (seed.status === 'activating') this.beginActivation(record);
    else record.status = seed.status ?? 'active';
    return record;
  }

  find(instanceId: string): InstanceRecord | undefined {
    return this.records.get(instanceId);
  }

  require(instanceId: string): InstanceRecord {
    const record = this.records.get(instanceId);
    if (!record) throw instanceNotFound();
    return record;
  }

  all(): InstanceRecord[] {
    return [...this.records.values()];
  }

  /**
   * The seed's rule: no write while activating, invalid or inactive (ES SDK remarks: "activating, invalid,
   * or freeze (inactive)"). `unknown` is refused the same way (assumed: a write cannot be accepted on an
   * instance whose state the service cannot tell).
   */
  assertWritable(record: InstanceRecord): void {
    if (record.status === 'activating') throw new ApiFaultError(400, 'InstanceActivating', 'Instance is activating.');
    if (record.status !== 'active') {
      throw new ApiFaultError(
        400,
        'InstanceStatusNotSupportCurrentAction',
        `The instance status ${record.status} does not support the current action.`,
      );
    }
  }

  /** Called after a change was applied: the instance is busy until the window ends. */
  beginActivation(record: InstanceRecord, ms = this.defaultActivationMs): void {
    const existing = this.timers.get(record.instanceId);
    if (existing) clearTimeout(existing);
    // A zero window (benchmarks, "no latency" runs) means the change takes effect at once.
    if (ms <= 0) {
      record.status = 'activating';
      this.endActivation(record);
      return;
    }
    record.status = 'activating';
    record.activationEndsAt = Date.now() + ms;
    const timer = setTimeout(() => this.endActivation(record), ms);
    timer.unref();
    this.timers.set(record.instanceId, timer);
  }

  /** Ends the window now (also what the timer does). */
  endActivation(record: InstanceRecord): void {
    const timer = this.timers.get(record.instanceId);
    if (timer) clearTimeout(timer);
    this.timers.delete(record.instanceId);
    if (record.status === 'activating') record.status = 'active';
    record.activationEndsAt = undefined;
    if (record.pendingPassword !== undefined) {
      record.effectivePassword = record.pendingPassword;
      record.pendingPassword = undefined;
    }
    const waiting = this.waiters.get(record.instanceId) ?? [];
    this.waiters.delete(record.instanceId);
    for (const resolve of waiting) resolve();
  }

  /**
   * Sets a status directly, as an operator or a broken cluster would. `activating` ends after `forMs`
   * (default: the store's window); pass Infinity to hold it until setStatus is called again.
   */
  setStatus(instanceId: string, status: InstanceStatus, forMs?: number): void {
    const record = this.require(instanceId);
    if (status === 'activating') {
      if (forMs === Infinity) {
        const timer = this.timers.get(instanceId);
        if (timer) clearTimeout(timer);
        this.timers.delete(instanceId);
        record.status = 'activating';
        record.activationEndsAt = undefined;
      } else this.beginActivation(record, forMs);
      return;
    }
    const wasActivating = record.status === 'activating';
    record.status = status;
    if (wasActivating) this.endActivation(record);
  }

  /** Resolves once the instance is no longer activating. */
  waitForActivation(instanceId: string): Promise<void> {
    const record = this.require(instanceId);
    if (record.status !== 'activating') return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(instanceId) ?? [];
      list.push(resolve);
      this.waiters.set(instanceId, list);
    });
  }

  /** Resolves once no instance with a running activation window is activating. */
  async settled(): Promise<void> {
    await Promise.all([...this.timers.keys()].map((id) => this.waitForActivation(id)));
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
