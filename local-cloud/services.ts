import { ecsService } from './ecs/start';
import { elasticsearchService } from './elasticsearch/start';
import { eventBridgeService } from './eventbridge/start';
import { fcService } from './fc/start';
import { kmsService } from './kms/start';
import { tablestoreService } from './tablestore/start';

/**
 * Every emulated service, in start order: its seed part, options and facades come from here into
 * SeedFile, LocalCloudOptions and LocalCloud. A service is listed after those it calls (FC's functions
 * call them all), since they stop in the reverse order.
 */
export const SERVICES = [elasticsearchService, kmsService, ecsService, eventBridgeService, tablestoreService, fcService] as const;

export type Services = typeof SERVICES;
