import { defineService, seedPart } from '../service';
import { kmsOperations } from './operations';
import { type Secret, type SecretSeed, SecretStore } from './secrets';
import { secretSeedSchema } from './seed';

declare module '../operation' {
  interface OperationNames {
    CreateSecret: 'kms';
    DescribeSecret: 'kms';
    GetSecretValue: 'kms';
    PutSecretValue: 'kms';
    UpdateSecretVersionStage: 'kms';
  }
}

export interface SecretView {
  readonly secretName: string;
  readonly versions: readonly {
    readonly versionId: string;
    readonly secretData: string;
    readonly versionStages: readonly string[];
    readonly createTime: string;
  }[];
}

export interface KmsFacade {
  addSecret(seed: SecretSeed): SecretView;
  getSecret(secretName: string): SecretView | undefined;
  /** SecretData of the version holding `stage` (default ACSCurrent). */
  value(secretName: string, stage?: string): string | undefined;
}

function secretView(s: Secret): SecretView {
  return {
    secretName: s.secretName,
    versions: [...s.versions.values()].map((v) => ({
      versionId: v.versionId,
      secretData: v.secretData,
      versionStages: [...v.stages],
      createTime: v.createTime,
    })),
  };
}

/** KMS (2016-01-20, RPC): the secrets. */
export const kmsService = defineService({
  name: 'kms',
  seed: seedPart<'secrets', SecretSeed>('secrets', secretSeedSchema),
  start: (setup) => {
    const secrets = new SecretStore(setup.region, setup.accountId);
    for (const s of setup.seed) secrets.seed(s);
    const kms: KmsFacade = {
      addSecret: (s) => secretView(secrets.seed(setup.checkSeed(s, 'secret'))),
      getSecret: (name) => {
        const s = secrets.find(name);
        return s && secretView(s);
      },
      value: (name, stage = 'ACSCurrent') => {
        const s = secrets.find(name);
        return s && secrets.holderOf(s, stage)?.secretData;
      },
    };
    return { operations: kmsOperations(secrets), endpointVariables: ['KMS_ENDPOINT'], facades: { kms } };
  },
});
