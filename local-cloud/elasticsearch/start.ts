import { defineService, seedPart } from '../service';
import { ActionTrail, type ActionTrailEvent, type TrailListener } from './action-trail';
import { DataPlane } from './data-plane';
import { InstanceStore } from './instances';
import {
  DEFAULT_GROUP,
  type Health,
  type InstanceRecord,
  type InstanceSeed,
  type InstanceStatus,
  type Tag,
  type WhiteIpGroup,
} from './model';
import type { NetworkOperationName } from './network';
import { type EsChange, elasticsearchOperations } from './operations';
import { instanceSeedSchema } from './seed';
import { privateWhitelist } from './whitelist';

/** A read-only snapshot of an instance, for assertions. */
export interface InstanceView {
  readonly instanceId: string;
  readonly status: InstanceStatus;
  readonly health: Health;
  readonly whiteIpGroupList: readonly WhiteIpGroup[];
  readonly privateNetworkIpWhiteList: readonly string[];
  readonly tags: readonly Tag[];
  readonly effectivePassword: string;
  readonly pendingPassword: string | undefined;
  readonly updatedAt: string;
}

export interface EsFacade {
  addInstance(seed: InstanceSeed): InstanceView;
  getInstance(instanceId: string): InstanceView | undefined;
  instances(): InstanceView[];
  /** The IPs of a PRIVATE_ES group (default `default`), or undefined when there is no such group. */
  whitelist(instanceId: string, groupName?: string): string[] | undefined;
  effectivePassword(instanceId: string): string;
  setStatus(instanceId: string, status: InstanceStatus, options?: { forMs?: number }): void;
  setHealth(instanceId: string, health: Health): void;
  waitForActivation(instanceId: string): Promise<void>;
  /** Ends the instance's activation window now. */
  endActivation(instanceId: string): void;
  /** Resolves when no activation window is running. */
  settled(): Promise<void>;
  /** The instance's data-plane address (starts its server if needed). */
  endpoint(instanceId: string): Promise<{ host: string; port: number; url: string }>;
  readonly changes: readonly EsChange[];
}

/** ActionTrail API-call events for every whitelist or exposure-switch change, as EventBridge would deliver them. */
export interface TrailFacade {
  events(): readonly ActionTrailEvent[];
  /** Called once per event, synchronously after the change; returns the unsubscribe function. */
  subscribe(listener: TrailListener): () => void;
}

function view(r: InstanceRecord): InstanceView {
  return {
    instanceId: r.instanceId,
    status: r.status,
    health: r.health,
    whiteIpGroupList: r.groups.map((g) => ({ ...g, ips: [...g.ips] })),
    privateNetworkIpWhiteList: privateWhitelist(r.groups),
    tags: r.tags.map((t) => ({ ...t })),
    effectivePassword: r.effectivePassword,
    pendingPassword: r.pendingPassword,
    updatedAt: r.updatedAt,
  };
}

declare module '../operation' {
  interface OperationNames extends Record<NetworkOperationName, 'elasticsearch'> {
    UpdatePrivateNetworkWhiteIps: 'elasticsearch';
    UpdateAdminPassword: 'elasticsearch';
    DescribeInstance: 'elasticsearch';
    ListInstance: 'elasticsearch';
  }
}

export interface EsOptions {
  /** How long an instance stays `activating` after a change (default 2000 ms). */
  readonly activationMs?: number;
}

/**
 * Elasticsearch: the control plane (2017-06-13), a data-plane port per instance on demand, and the
 * ActionTrail events of its changes.
 */
export const elasticsearchService = defineService({
  name: 'elasticsearch',
  seed: seedPart<'instances', InstanceSeed>('instances', instanceSeedSchema),
  start: (setup, options: EsOptions) => {
    const activationMs = options.activationMs ?? 2000;
    if (!(activationMs >= 0)) throw new Error(`activationMs must be >= 0, got ${activationMs}`);
    const store = new InstanceStore(activationMs);
    const dataPlane = new DataPlane((id) => store.find(id));
    const changes: EsChange[] = [];
    const trail = new ActionTrail(setup.region, setup.accountId);
    for (const s of setup.seed) store.add(s);
    const es: EsFacade = {
      addInstance: (s) => view(store.add(setup.checkSeed(s, 'instance'))),
      getInstance: (id) => {
        const r = store.find(id);
        return r && view(r);
      },
      instances: () => store.all().map(view),
      whitelist: (id, groupName = DEFAULT_GROUP) => {
        const group = store.require(id).groups.find((g) => g.whiteIpType === 'PRIVATE_ES' && g.groupName === groupName);
        return group && [...group.ips];
      },
      effectivePassword: (id) => store.require(id).effectivePassword,
      setStatus: (id, status, o) => store.setStatus(id, status, o?.forMs),
      setHealth: (id, health) => {
        store.require(id).health = health;
      },
      waitForActivation: (id) => store.waitForActivation(id),
      endActivation: (id) => store.endActivation(store.require(id)),
      settled: () => store.settled(),
      endpoint: async (id) => {
        store.require(id);
        const p = await dataPlane.portFor(id);
        return { host: '127.0.0.1', port: p, url: `http://127.0.0.1:${p}` };
      },
      changes,
    };
    const trailFacade: TrailFacade = {
      events: () => trail.events(),
      subscribe: (listener) => trail.subscribe(listener),
    };
    return {
      operations: elasticsearchOperations({ store, dataPlane, changes, trail }),
      endpointVariables: ['ES_ENDPOINT'],
      faultEffects: {
        activate: (id, ms) => {
          const record = store.find(id);
          if (record?.status === 'active') store.beginActivation(record, ms);
        },
      },
      facades: { es, trail: trailFacade },
      close: () => {
        store.close();
        return dataPlane.close();
      },
    };
  },
});
