import type { ElasticsearchApi, InstanceDescription, KmsApi } from '../api';
import { waitForActive } from '../instance';
import type { Logger } from '../logging';
import { logger } from '../logging';
import { registerSecret } from '../redaction';
import { DataPlane } from './cluster';
import { SecretStore, type StoredVersion } from './secret';
import type { RotationSettings } from './settings';
import { rotationToken } from './token';

/*
 * One rotation run: what it was asked, what it runs on, and the state its steps hand on to each other.
 * A run is a value passed to every step, never module state: one FC instance runs invocations one after
 * another in the same process.
 */

export interface RotationRequest {
  readonly instanceId: string;
  readonly secretName: string;
  /** The caller's password (HTTP only, already validated); undefined generates one. */
  readonly password?: string;
  /** HTTP only: a repeat with the same token replays the first answer instead of rotating again. */
  readonly clientToken?: string;
  /** HTTP only: read, decide and answer what would be done; write nothing. */
  readonly dryRun?: boolean;
}

export interface RotationDeps {
  readonly es: ElasticsearchApi;
  readonly kms: KmsApi;
  readonly settings: RotationSettings;
  /** Epoch ms after which no new attempt starts (`invocationDeadline`). */
  readonly deadline: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Where a run was when it stopped: `guard` reads and decides, then the four steps. */
export type RotationStep = 'guard' | 'create' | 'set' | 'test' | 'finish';

/** The pending version being rotated to, with the password it holds. */
export interface Pending {
  readonly token: string;
  readonly password: string;
  readonly resumed: boolean;
  /** The version it replaces: ACSCurrent when the rotation was decided. */
  readonly base: StoredVersion;
  /** The password is known to log in: nothing left to set or test. */
  proven: boolean;
}

/** One run's state. The writable fields are what one step learns and a later one reads. */
export interface RotationRun {
  readonly request: RotationRequest;
  readonly deps: RotationDeps;
  readonly store: SecretStore;
  readonly log: Logger;
  /** The step under way: a failure is published with it. */
  step: RotationStep;
  /** The cluster's own API; guard replaces it once DescribeInstance has told the endpoint. */
  dataPlane: DataPlane;
  endpoint: string | undefined;
  /** When this run's own UpdateAdminPassword was accepted. */
  setAcceptedAt: number | undefined;
  /** ACSCurrent's password logged in when this run began (the health check): a later refusal means someone changed it. */
  currentLoggedIn: boolean;
}

export function startRun(request: RotationRequest, deps: RotationDeps): RotationRun {
  const dataPlane = new DataPlane(undefined, 0);
  const store = new SecretStore(deps.kms, request.secretName, deps.deadline);
  const log = logger().child({ instanceId: request.instanceId, secretName: request.secretName });
  registerSecret(request.password);
  return { request, deps, store, log, step: 'guard', dataPlane, endpoint: undefined, setAcceptedAt: undefined, currentLoggedIn: false };
}

export async function waitActive(run: RotationRun): Promise<InstanceDescription> {
  return waitForActive(run.deps.es, run.request.instanceId, {
    deadline: run.deps.deadline,
    pollMs: run.deps.settings.instancePollMs,
    ...(run.deps.sleep && { sleep: run.deps.sleep }),
  });
}

/** The token of the rotation that replaces `base`. */
export function tokenFor(run: RotationRun, base: StoredVersion): string {
  return rotationToken({
    instanceId: run.request.instanceId,
    secretName: run.request.secretName,
    versionId: base.versionId,
    createTime: base.createTime,
  });
}
