import { ApiFaultError, invalidParameter } from '../errors';

export const CURRENT = 'ACSCurrent';
export const PREVIOUS = 'ACSPrevious';
/** KMS keeps at most this many versions of a generic secret, deleting the earliest (PutSecretValue API page). */
export const MAX_VERSIONS = 10;
/** At most this many distinct stages per secret. */
export const MAX_STAGES = 8;

export interface SecretVersion {
  readonly versionId: string;
  readonly secretData: string;
  readonly secretDataType: 'text' | 'binary';
  readonly createTime: string;
  readonly stages: Set<string>;
}

export interface Secret {
  readonly secretName: string;
  readonly arn: string;
  readonly description: string;
  readonly createTime: string;
  updateTime: string;
  /** Oldest first (Map keeps insertion order). */
  readonly versions: Map<string, SecretVersion>;
}

export interface SecretVersionSeed {
  readonly versionId: string;
  readonly secretData: string;
  readonly secretDataType?: 'text' | 'binary';
  readonly versionStages?: readonly string[];
  /** ISO time the version was written (default: now); lets a test seed a password that is months old. */
  readonly createTime?: string;
}

export interface SecretSeed {
  readonly secretName: string;
  readonly description?: string;
  /** Shorthand for one version marked ACSCurrent. */
  readonly secretData?: string;
  readonly versionId?: string;
  /** With the shorthand: when its one version was written (default: now). */
  readonly createTime?: string;
  readonly versions?: readonly SecretVersionSeed[];
}

export const resourceNotFound = (what: string): ApiFaultError =>
  new ApiFaultError(404, 'Forbidden.ResourceNotFound', `The resource is not found. (${what})`);

const isoSeconds = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Secrets Manager's generic secrets: versions with stage labels, under the documented limits. */
export class SecretStore {
  private readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** A name or an ARN (`acs:kms:<region>:<account>:secret/<name>`) both identify a secret. */
  find(nameOrArn: string): Secret | undefined {
    const m = /^acs:kms:[^:]*:[^:]*:secret\/(.+)$/.exec(nameOrArn);
    return this.secrets.get(m ? m[1]! : nameOrArn);
  }

  require(nameOrArn: string): Secret {
    const secret = this.find(nameOrArn);
    if (!secret) throw resourceNotFound(`secret ${nameOrArn}`);
    return secret;
  }

  all(): Secret[] {
    return [...this.secrets.values()];
  }

  create(input: {
    secretName: string;
    versionId: string;
    secretData: string;
    secretDataType?: 'text' | 'binary';
    description?: string;
  }): Secret {
    if (this.secrets.has(input.secretName)) throw new ApiFaultError(409, 'Rejected.ResourceExist', 'The resource already exists.');
    const now = isoSeconds();
    const secret: Secret = {
      secretName: input.secretName,
      arn: `acs:kms:${this.region}:${this.accountId}:secret/${input.secretName}`,
      description: input.description ?? '',
      createTime: now,
      updateTime: now,
      versions: new Map(),
    };
    secret.versions.set(input.versionId, {
      versionId: input.versionId,
      secretData: input.secretData,
      secretDataType: input.secretDataType ?? 'text',
      createTime: now,
      stages: new Set([CURRENT]),
    });
    this.secrets.set(secret.secretName, secret);
    return secret;
  }

  /** Loads a seed as-is (stages as given; a shorthand seed gets one ACSCurrent version). */
  seed(seed: SecretSeed): Secret {
    const versions = seed.versions ?? [
      {
        versionId: seed.versionId ?? 'v1',
        secretData: seed.secretData ?? '',
        versionStages: [CURRENT],
        ...(seed.createTime !== undefined && { createTime: seed.createTime }),
      },
    ];
    const first = versions[0];
    if (!first) throw new Error(`secret ${seed.secretName} has no versions`);
    const secret = this.create({
      secretName: seed.secretName,
      versionId: first.versionId,
      secretData: first.secretData,
      description: seed.description ?? '',
      ...(first.secretDataType && { secretDataType: first.secretDataType }),
    });
    secret.versions.clear();
    for (const v of versions) {
      const createTime = v.createTime === undefined ? secret.createTime : new Date(v.createTime).toISOString().replace(/\.\d{3}Z$/, 'Z');
      secret.versions.set(v.versionId, {
        versionId: v.versionId,
        secretData: v.secretData,
        secretDataType: v.secretDataType ?? 'text',
        createTime,
        stages: new Set(v.versionStages ?? []),
      });
    }
    return secret;
  }

  holderOf(secret: Secret, stage: string): SecretVersion | undefined {
    for (const v of secret.versions.values()) if (v.stages.has(stage)) return v;
    return undefined;
  }

  /**
   * PutSecretValue. A new VersionId is stored with `stages` (default ACSCurrent); each of those stages
   * leaves the version that had it, and when ACSCurrent moves, its old holder becomes ACSPrevious. The
   * same VersionId with the same data is a no-op success; with other data it is refused.
   */
  put(
    secret: Secret,
    input: { versionId: string; secretData: string; secretDataType: 'text' | 'binary'; stages: readonly string[] | undefined },
  ): SecretVersion {
    const existing = secret.versions.get(input.versionId);
    if (existing) {
      if (existing.secretData === input.secretData && existing.secretDataType === input.secretDataType) return existing;
      throw new ApiFaultError(
        409,
        'Rejected.ResourceExist',
        `The version ${input.versionId} already exists with a different secret value.`,
      );
    }
    const stages = input.stages ?? [CURRENT];
    this.checkStageLimit(secret, stages);
    const oldCurrent = stages.includes(CURRENT) ? this.holderOf(secret, CURRENT) : undefined;
    for (const v of secret.versions.values()) for (const s of stages) v.stages.delete(s);
    if (oldCurrent && !stages.includes(PREVIOUS)) {
      for (const v of secret.versions.values()) v.stages.delete(PREVIOUS);
      oldCurrent.stages.add(PREVIOUS);
    }
    const version: SecretVersion = {
      versionId: input.versionId,
      secretData: input.secretData,
      secretDataType: input.secretDataType,
      createTime: isoSeconds(),
      stages: new Set(stages),
    };
    secret.versions.set(version.versionId, version);
    secret.updateTime = version.createTime;
    this.dropOldVersions(secret);
    return version;
  }

  /**
   * UpdateSecretVersionStage, as documented: add a stage (MoveToVersion), remove a custom stage
   * (RemoveFromVersion), or move a stage (both). ACSCurrent and ACSPrevious can only be moved. A stage
   * lives on one version at a time, so adding one that another version holds needs RemoveFromVersion.
   */
  updateStage(secret: Secret, input: { stage: string; removeFrom: string | undefined; moveTo: string | undefined }): void {
    const { stage, removeFrom, moveTo } = input;
    if (removeFrom === undefined && moveTo === undefined)
      throw invalidParameter('At least one of RemoveFromVersion and MoveToVersion is required.');
    const system = stage === CURRENT || stage === PREVIOUS;
    if (system && moveTo === undefined) throw invalidParameter(`${stage} cannot be removed, only moved: MoveToVersion is required.`);
    const from = removeFrom === undefined ? undefined : secret.versions.get(removeFrom);
    if (removeFrom !== undefined && !from) throw resourceNotFound(`version ${removeFrom} of secret ${secret.secretName}`);
    const to = moveTo === undefined ? undefined : secret.versions.get(moveTo);
    if (moveTo !== undefined && !to) throw resourceNotFound(`version ${moveTo} of secret ${secret.secretName}`);
    if (from && !from.stages.has(stage)) throw invalidParameter(`The version ${removeFrom} is not marked with ${stage}.`);
    const holder = this.holderOf(secret, stage);
    if (to && holder && holder !== to && holder !== from) {
      throw invalidParameter(
        `${stage} is attached to version ${holder.versionId}; specify RemoveFromVersion=${holder.versionId} to move it.`,
      );
    }
    if (to && !holder) this.checkStageLimit(secret, [stage]);
    from?.stages.delete(stage);
    to?.stages.add(stage);
    secret.updateTime = isoSeconds();
  }

  private checkStageLimit(secret: Secret, adding: readonly string[]): void {
    const all = new Set<string>();
    for (const v of secret.versions.values()) for (const s of v.stages) all.add(s);
    for (const s of adding) all.add(s);
    if (all.size > MAX_STAGES)
      throw new ApiFaultError(400, 'Rejected.LimitExceeded', `A secret can have at most ${MAX_STAGES} version stages.`);
  }

  /**
   * Over the limit the earliest version goes, whatever stage it carries: "Each generic secret can have a
   * maximum of 10 versions. If the number of versions exceeds the limit, KMS deletes the earliest version"
   * (PutSecretValue,
   * https://www.alibabacloud.com/help/en/kms/key-management-service/developer-reference/api-kms-2016-01-20-putsecretvalue).
   * The page names no exception for ACSCurrent or ACSPrevious, so none is made: a client that lets
   * stage-less versions pile up after its current one loses the current one.
   */
  private dropOldVersions(secret: Secret): void {
    for (const v of [...secret.versions.values()]) {
      if (secret.versions.size <= MAX_VERSIONS) return;
      secret.versions.delete(v.versionId);
    }
  }
}
