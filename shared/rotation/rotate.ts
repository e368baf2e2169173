import { toCallerError, type ElasticsearchApi, type InstanceDescription, type KmsApi } from '../api';
import { EsGuardError, UpstreamError } from '../errors';
import { waitForActive } from '../instance/wait';
import { logger } from '../logging/current';
import type { Logger } from '../logging/logger';
import { registerSecret } from '../logging/redact';
import { DataPlane, clusterEndpoint } from './cluster';
import { crashPoint } from './crash';
import { generatePassword } from './password';
import { ADMIN_USERNAME, PLACEHOLDER_VERSION_ID, STAGE, SecretStore, isRefusal, type SecretContent, type StoredVersion } from './secret';
import type { RotationSettings } from './settings';
import { rotationToken } from './token';

export interface RotationRequest {
  readonly instanceId: string;
  readonly secretName: string;
  /** The caller's password (HTTP only, already validated); undefined generates one. */
  readonly password?: string;
}

export interface RotationResult {
  readonly instanceId: string;
  readonly secretName: string;
  /** The KMS version now holding ACSCurrent: the rotation token. */
  readonly versionId: string;
  /** True when this run completed a rotation another run had started. */
  readonly resumed: boolean;
}

export interface RotationDeps {
  readonly es: ElasticsearchApi;
  readonly kms: KmsApi;
  readonly settings: RotationSettings;
  /** Epoch ms after which no new attempt starts (`invocationDeadline`). */
  readonly deadline: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The pending version being rotated to, with the password it holds. */
interface Pending {
  readonly token: string;
  readonly password: string;
  readonly resumed: boolean;
}

/** Abandoned rotations tolerated from one current version before giving up (each leaves a stage-less version). */
const MAX_ABANDONED = 8;

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Rotates the `elastic` password of one instance and keeps it in its KMS secret: create, set, test,
 * finish, as AWS's rotation functions do. Every step is safe to re-run after a crash anywhere, because each
 * begins by reading where the last run got to; the new password is in KMS before the cluster is touched.
 * Errors are the caller's (`EsGuardError`) and never carry a password.
 */
export async function rotatePassword(request: RotationRequest, deps: RotationDeps): Promise<RotationResult> {
  try {
    return await new Rotation(request, deps).run();
  } catch (error) {
    throw toCallerError(error);
  }
}

class Rotation {
  private readonly store: SecretStore;
  private readonly log: Logger;
  private dataPlane = new DataPlane(undefined, 0);
  private endpoint: string | undefined;

  constructor(
    private readonly request: RotationRequest,
    private readonly deps: RotationDeps,
  ) {
    this.store = new SecretStore(deps.kms, request.secretName, deps.deadline);
    this.log = logger().child({ instanceId: request.instanceId, secretName: request.secretName });
    registerSecret(request.password);
  }

  async run(): Promise<RotationResult> {
    const { current, pending: found } = await this.guard();
    const pending = found ? this.resume(found) : await this.create(current);
    if ('completed' in pending) return this.result(pending.completed, true);
    crashPoint('create');
    await this.set(pending);
    crashPoint('set');
    await this.test(pending);
    crashPoint('test');
    await this.finish(pending);
    crashPoint('finish');
    this.log.info('rotation complete', { versionId: pending.token, resumed: pending.resumed });
    return this.result(pending.token, pending.resumed);
  }

  /**
   * Step 0. Reads only. Refuses an instance that stays busy (409) and, before a new rotation starts, a
   * cluster whose health is red: changing the admin password is one more change it does not need. A
   * rotation already under way is finished whatever the health, since stopping half-way helps no one.
   */
  private async guard(): Promise<{ current: StoredVersion | undefined; pending: StoredVersion | undefined }> {
    const instance = await this.waitActive();
    this.endpoint = clusterEndpoint(instance);
    this.dataPlane = new DataPlane(this.endpoint, this.deps.settings.dataPlaneTimeoutMs);
    const current = await this.store.stage(STAGE.current);
    const pending = await this.store.stage(STAGE.pending);
    for (const version of [current, pending]) this.checkOwner(version);
    const password = current?.content?.password;
    if (password) await this.checkHealth(password, pending === undefined);
    else this.log.info('cluster health not checked: the secret holds no current password yet');
    return { current, pending };
  }

  private async checkHealth(password: string, refuseRed: boolean): Promise<void> {
    const health = await this.dataPlane.health(password);
    if (health.kind === 'unreachable') {
      this.log.info('cluster health not checked: the data plane is not reachable from here', { endpoint: this.endpoint });
    } else if (health.kind === 'denied') {
      this.log.warn('cluster health not checked: the current password in KMS does not log in', { endpoint: this.endpoint });
    } else if (health.status === 'red') {
      if (refuseRed) {
        throw new EsGuardError(409, 'ClusterHealthRed', `cluster health of instance ${this.request.instanceId} is red; the password is not rotated until the cluster recovers`, {
          retryAfterSeconds: 300,
        });
      }
      this.log.warn('cluster health is red; finishing the rotation already under way');
    } else if (health.status === 'yellow') {
      this.log.warn('cluster health is yellow; Alibaba Cloud advises against resetting the password now, rotating anyway');
    } else {
      this.log.info('cluster health checked', { health: health.status });
    }
  }

  /**
   * Step 1. Safe to repeat: the token is derived from the version being replaced, so a re-run (or a
   * concurrent run) computes the same VersionId, and KMS keeps whichever data reached it first; the version
   * read back, not the one this run generated, is the one rotated to.
   */
  private async create(found: StoredVersion | undefined): Promise<Pending | { completed: string }> {
    let current = found;
    if (current === undefined) {
      // ACSCurrent must never name a password the cluster does not have, so a new secret starts without one.
      const created = await this.store.createWithPlaceholder(this.content(null));
      this.log.info(created ? 'secret created with a password-less placeholder version' : 'secret was created concurrently');
      current = await this.store.stage(STAGE.current);
      this.checkOwner(current);
    }
    const password = this.request.password ?? generatePassword(this.deps.settings.passwordLength);
    registerSecret(password);
    for (let attempt = 0; attempt < MAX_ABANDONED; attempt++) {
      const token = rotationToken(this.request.instanceId, current?.versionId ?? PLACEHOLDER_VERSION_ID, attempt);
      let refusal: unknown;
      try {
        await this.store.putPending(token, this.content(password));
        this.log.info('step create: new password stored as the pending version', { step: 'create', versionId: token });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        refusal = error;
      }
      const pending = await this.store.stage(STAGE.pending);
      if (pending !== undefined) {
        this.checkOwner(pending);
        const resumed = pending.versionId !== token || pending.content?.password !== password;
        if (resumed) this.log.info('step create: another rotation stored its pending version first; completing that one', { step: 'create', versionId: pending.versionId });
        return this.resume(pending, resumed);
      }
      // No pending version although we just wrote one (or were refused): someone finished or abandoned it.
      const version = await this.store.version(token);
      if (version === undefined) throw refusal ?? new UpstreamError('PendingVersionMissing', `KMS accepted version ${token} of ${this.request.secretName} but does not return it`);
      if (version.stages.includes(STAGE.current)) {
        this.log.info('step create: a concurrent rotation already completed', { step: 'create', versionId: token });
        return { completed: token };
      }
      this.log.info('step create: version was abandoned (its ACSPending stage removed); starting under the next token', { step: 'create', versionId: token });
    }
    throw new UpstreamError('RotationTokensExhausted', `${MAX_ABANDONED} rotations of ${this.request.secretName} from its current version were abandoned; move ACSCurrent or investigate`);
  }

  private resume(pending: StoredVersion, resumed = true): Pending {
    const password = pending.content?.password;
    if (!password) {
      throw new EsGuardError(
        409,
        'PendingVersionUnreadable',
        `version ${pending.versionId} of ${this.request.secretName} holds ACSPending but is not an es-guard password record; remove its ACSPending stage and retry`,
      );
    }
    if (this.request.password !== undefined && this.request.password !== password) {
      throw new EsGuardError(409, 'RotationInProgress', `a rotation of instance ${this.request.instanceId} is in progress (version ${pending.versionId}); retry once it has completed`, {
        retryAfterSeconds: 60,
      });
    }
    if (resumed) this.log.info('resuming the pending rotation', { versionId: pending.versionId });
    return { token: pending.versionId, password, resumed };
  }

  /**
   * Step 2. Safe to repeat: a password that already logs in is not set again, and a repeated
   * UpdateAdminPassword carries the same clientToken, which the service replays instead of re-applying.
   */
  private async set(pending: Pending): Promise<void> {
    if ((await this.dataPlane.login(pending.password, { probe: true })) === 'ok') {
      this.log.info('step set: the pending password already logs in; not set again', { step: 'set', versionId: pending.token });
      return;
    }
    await this.waitActive();
    const { requestId, result } = await this.deps.es.updateAdminPassword(
      this.request.instanceId,
      { password: pending.password, clientToken: pending.token },
      // Busy answers (activating, concurrent change) are waited out up to the deadline.
      { deadline: this.deps.deadline, retry: { busyUntilDeadline: true } },
    );
    if (!result) throw new UpstreamError('UpdateAdminPasswordFailed', `UpdateAdminPassword answered Result=false${requestId ? ` (RequestId ${requestId})` : ''}`);
    this.log.info('step set: UpdateAdminPassword accepted', { step: 'set', versionId: pending.token, updateRequestId: requestId });
  }

  /**
   * Step 3. Reads only. The service applies a new password asynchronously (about 5 minutes), so the login is
   * polled; on timeout the rotation stays pending and the next run resumes it.
   */
  private async test(pending: Pending): Promise<void> {
    const { settings } = this.deps;
    if (!settings.test) {
      this.log.info('step test: skipped (ROTATION_TEST=false)', { step: 'test' });
      return;
    }
    await this.waitActive();
    if (this.endpoint === undefined) {
      throw new EsGuardError(
        500,
        'ClusterEndpointUnknown',
        `DescribeInstance gives no domain for instance ${this.request.instanceId}, so the new password cannot be tested; set ROTATION_TEST=false to rotate without the test`,
      );
    }
    const sleep = this.deps.sleep ?? sleepFor;
    const startedAt = Date.now();
    const until = Math.min(this.deps.deadline, startedAt + settings.testTimeoutMs);
    for (let attempt = 1; ; attempt++) {
      const login = await this.dataPlane.login(pending.password, { probe: false });
      if (login === 'ok') {
        this.log.info('step test: the new password logs in', { step: 'test', versionId: pending.token, attempts: attempt });
        return;
      }
      if (Date.now() + settings.testPollMs >= until) {
        throw new EsGuardError(
          503,
          'RotationNotVerified',
          `the new password did not log in on ${this.endpoint} within ${Math.ceil((Date.now() - startedAt) / 1000)} s ` +
            `(last attempt: ${login === 'denied' ? 'login refused' : 'cluster unreachable'}); version ${pending.token} stays pending and the next rotation resumes it ` +
            `(if the password was changed outside es-guard meanwhile, remove ACSPending from that version to abandon it)`,
          { retryAfterSeconds: 60 },
        );
      }
      await sleep(settings.testPollMs);
    }
  }

  /**
   * Step 4. Safe to repeat: each stage move is decided on a fresh read of who holds the stage, so a run
   * that crashed between moves, or one racing another, completes whatever is left and nothing more.
   */
  private async finish(pending: Pending): Promise<void> {
    for (let round = 0; ; round++) {
      const current = await this.store.stage(STAGE.current);
      if (current?.versionId === pending.token) break;
      if (round >= 5) throw new UpstreamError('RotationFinishFailed', `ACSCurrent of ${this.request.secretName} could not be moved to version ${pending.token}; a re-run resumes`);
      try {
        if (current !== undefined) {
          const previous = await this.store.stage(STAGE.previous);
          if (previous?.versionId !== current.versionId) {
            await this.store.moveStage(STAGE.previous, { ...(previous && { removeFromVersion: previous.versionId }), moveToVersion: current.versionId });
          }
          await this.store.moveStage(STAGE.current, { removeFromVersion: current.versionId, moveToVersion: pending.token });
        } else {
          await this.store.moveStage(STAGE.current, { moveToVersion: pending.token });
        }
      } catch (error) {
        // Someone else moved a stage between our read and our write: read again and decide again.
        if (!isRefusal(error)) throw error;
      }
    }
    for (let round = 0; ; round++) {
      const still = await this.store.stage(STAGE.pending);
      if (still?.versionId !== pending.token) break;
      if (round >= 5) throw new UpstreamError('RotationFinishFailed', `ACSPending could not be removed from version ${pending.token} of ${this.request.secretName}; a re-run resumes`);
      try {
        await this.store.moveStage(STAGE.pending, { removeFromVersion: pending.token });
      } catch (error) {
        if (!isRefusal(error)) throw error;
      }
    }
    this.log.info('step finish: ACSCurrent moved to the new version', { step: 'finish', versionId: pending.token });
  }

  private async waitActive(): Promise<InstanceDescription> {
    return waitForActive(this.deps.es, this.request.instanceId, {
      deadline: this.deps.deadline,
      pollMs: this.deps.settings.instancePollMs,
      ...(this.deps.sleep && { sleep: this.deps.sleep }),
    });
  }

  /** A secret written for another instance is never rotated into: its readers would be locked out of theirs. */
  private checkOwner(version: StoredVersion | undefined): void {
    const owner = version?.content?.instanceId;
    if (owner !== undefined && owner !== this.request.instanceId) {
      throw new EsGuardError(409, 'SecretBelongsToAnotherInstance', `secret ${this.request.secretName} holds the password of instance ${owner}, not ${this.request.instanceId}`);
    }
  }

  private content(password: string | null): SecretContent {
    return { username: ADMIN_USERNAME, password, instanceId: this.request.instanceId, ...(this.endpoint !== undefined && { endpoint: this.endpoint }) };
  }

  private result(versionId: string, resumed: boolean): RotationResult {
    return { instanceId: this.request.instanceId, secretName: this.request.secretName, versionId, resumed };
  }
}
