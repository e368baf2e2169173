import type { RotationRun } from './run-state';
import { tokenFor } from './run-state';
import type { StoredVersion } from './secret';

/** What a run does (or, in a dry run, would do) about the secret it finds. */
export type RotationPlan = 'rotate' | 'resume' | 'finish' | 'abandon-stale-and-rotate' | 'replay';

export interface RotationResult {
  readonly instanceId: string;
  readonly secretName: string;
  /** The KMS version now holding ACSCurrent (in a dry run: the version that would; empty for a secret not created yet). */
  readonly versionId: string;
  /** True when this run completed a rotation another run had started. */
  readonly resumed: boolean;
  /** True when a repeated clientToken found its rotation already done: nothing was changed. */
  readonly replayed?: boolean;
  /** Set on a dry run only. */
  readonly dryRun?: {
    readonly plan: RotationPlan;
    readonly currentVersionId: string | undefined;
    readonly pendingVersionId: string | undefined;
  };
}

export function answer(run: RotationRun, versionId: string, resumed: boolean): RotationResult {
  return { instanceId: run.request.instanceId, secretName: run.request.secretName, versionId, resumed };
}

export function dryRunAnswer(
  run: RotationRun,
  plan: RotationPlan,
  current: StoredVersion | undefined,
  pending: StoredVersion | undefined,
  replayed?: string,
): RotationResult {
  const versionId = replayed ?? (plan === 'finish' || plan === 'resume' ? pending?.versionId : current && tokenFor(run, current));
  return {
    ...answer(run, versionId ?? '', false),
    dryRun: { plan, currentVersionId: current?.versionId, pendingVersionId: pending?.versionId },
  };
}
