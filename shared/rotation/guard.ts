import { EsGuardError } from '../errors';
import { clusterEndpoint, DataPlane } from './cluster';
import { STAGE } from './layout';
import { type RotationRun, waitActive } from './run-state';
import type { StoredVersion } from './secret';

/**
 * Step 0. Reads only. Refuses an instance that stays busy (409) and, before a new rotation starts, a
 * cluster whose health is red: changing the admin password is one more change it does not need. A
 * rotation already under way is finished whatever the health, since stopping half-way helps no one.
 */
export async function guard(run: RotationRun): Promise<{ current: StoredVersion | undefined; pending: StoredVersion | undefined }> {
  const instance = await waitActive(run);
  run.endpoint = clusterEndpoint(instance);
  run.dataPlane = new DataPlane(run.endpoint, run.deps.settings.dataPlaneTimeoutMs);
  const current = await run.store.stage(STAGE.current);
  const pending = await run.store.stage(STAGE.pending);
  for (const version of [current, pending]) checkOwner(run, version);
  const password = current?.content?.password;
  if (password) await checkHealth(run, password, pending === undefined);
  else run.log.info('cluster health not checked: the secret holds no current password yet');
  return { current, pending };
}

async function checkHealth(run: RotationRun, password: string, refuseRed: boolean): Promise<void> {
  const health = await run.dataPlane.health(password);
  run.currentLoggedIn = health.kind === 'status';
  if (health.kind === 'unreachable') {
    run.log.info('cluster health not checked: the data plane is not reachable from here', { endpoint: run.endpoint });
  } else if (health.kind === 'denied') {
    run.log.warn('cluster health not checked: the current password in KMS does not log in', { endpoint: run.endpoint });
  } else if (health.status === 'red') {
    if (refuseRed) {
      throw new EsGuardError(
        409,
        'ClusterHealthRed',
        `cluster health of instance ${run.request.instanceId} is red; the password is not rotated until the cluster recovers`,
        {
          retryAfterSeconds: 300,
        },
      );
    }
    run.log.warn('cluster health is red; finishing the rotation already under way');
  } else if (health.status === 'yellow') {
    run.log.warn('cluster health is yellow; Alibaba Cloud advises against resetting the password now, rotating anyway');
  } else {
    run.log.info('cluster health checked', { health: health.status });
  }
}

/** A secret written for another instance is never rotated into: its readers would be locked out of theirs. */
export function checkOwner(run: RotationRun, version: StoredVersion | undefined): void {
  const owner = version?.content?.instanceId;
  if (owner !== undefined && owner !== run.request.instanceId) {
    throw new EsGuardError(
      409,
      'SecretBelongsToAnotherInstance',
      `secret ${run.request.secretName} holds the password of instance ${owner}, not ${run.request.instanceId}`,
    );
  }
}
