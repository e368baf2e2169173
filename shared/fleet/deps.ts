import type { ElasticsearchApi, KmsApi } from '../api';
import type { Invoker } from './invoker';
import type { FleetSettings } from './settings';

/** The APIs of one region: its Elasticsearch and KMS endpoints, and FC there to invoke the rotate function. */
export interface RegionApis {
  readonly es: ElasticsearchApi;
  readonly kms: KmsApi;
  /** Created on first dispatch: a dry run or a run with nothing due never builds it. */
  readonly invoker: () => Promise<Invoker>;
}

export interface FleetDeps {
  readonly settings: FleetSettings;
  /** The regions to list, in order (an instance listed by two regions is kept in the first). */
  readonly regions: readonly string[];
  readonly apis: (region: string) => RegionApis;
  /** Epoch ms after which nothing new starts (`invocationDeadline`). */
  readonly deadline: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}
