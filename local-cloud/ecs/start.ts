import { defineService, seedPart } from '../service';
import { type EcsInstanceRecord, type EcsInstanceSeed, EcsInventory, type EcsStatus } from './inventory';
import { ecsOperations } from './operations';
import { ecsInstanceSeedSchema } from './seed';

declare module '../operation' {
  interface OperationNames {
    DescribeInstances: 'ecs';
  }
}

export interface EcsFacade {
  addInstance(seed: EcsInstanceSeed): EcsInstanceRecord;
  getInstance(instanceId: string): EcsInstanceRecord | undefined;
  setStatus(instanceId: string, status: EcsStatus): void;
  setPrivateIps(instanceId: string, ips: readonly string[]): void;
  remove(instanceId: string): boolean;
}

/** ECS (2014-05-26, RPC): the instance inventory. */
export const ecsService = defineService({
  name: 'ecs',
  seed: seedPart<'ecsInstances', EcsInstanceSeed>('ecsInstances', ecsInstanceSeedSchema),
  start: (setup) => {
    const inventory = new EcsInventory();
    for (const s of setup.seed) inventory.add(s);
    const ecs: EcsFacade = {
      addInstance: (s) => inventory.add(setup.checkSeed(s, 'ECS instance')),
      getInstance: (id) => inventory.find(id),
      setStatus: (id, status) => inventory.setStatus(id, status),
      setPrivateIps: (id, ips) => inventory.setPrivateIps(id, ips),
      remove: (id) => inventory.remove(id),
    };
    return { operations: ecsOperations(inventory), endpointVariables: ['ECS_ENDPOINT'], facades: { ecs } };
  },
});
