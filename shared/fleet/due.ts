import type { KmsApi, SecretValue } from '../api';
import { PLACEHOLDER_VERSION_ID, STAGE, isNotFound } from '../rotation/secret';

export type DueReason = 'no-secret' | 'placeholder' | 'expired';

export type Assessment =
  | { readonly kind: 'due'; readonly reason: DueReason; readonly ageSeconds: number | undefined }
  | { readonly kind: 'fresh'; readonly ageSeconds: number }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

/**
 * Whether an instance's password is due, from its secret's ACSCurrent version: missing secret (the first
 * rotation creates it), the password-less placeholder rotate-password writes, or a version older than the
 * interval. GetSecretValue is the one call that gives the version's CreateTime; its SecretData (the
 * password) is dropped here unread but for the owner field, and never stored, logged or returned.
 */
export async function assess(kms: KmsApi, req: { instanceId: string; secretName: string }, intervalSeconds: number, nowMs: number, deadline: number): Promise<Assessment> {
  let version: SecretValue;
  try {
    version = await kms.getSecretValue({ secretName: req.secretName, versionStage: STAGE.current }, { deadline });
  } catch (error) {
    if (isNotFound(error)) return { kind: 'due', reason: 'no-secret', ageSeconds: undefined };
    return { kind: 'failed', ...errorFields(error) };
  }
  const owner = ownerOf(version.secretData);
  if (owner !== undefined && owner !== req.instanceId) {
    // rotate-password would refuse it too (409); said here, before anything is queued.
    return { kind: 'failed', code: 'SecretBelongsToAnotherInstance', message: `secret ${req.secretName} holds the password of instance ${owner}` };
  }
  if (version.versionId === PLACEHOLDER_VERSION_ID) return { kind: 'due', reason: 'placeholder', ageSeconds: undefined };
  const created = version.createTime === undefined ? Number.NaN : Date.parse(version.createTime);
  // A version without a readable CreateTime cannot be shown fresh; rotating it is the safe side.
  if (Number.isNaN(created)) return { kind: 'due', reason: 'expired', ageSeconds: undefined };
  const ageSeconds = Math.max(0, Math.floor((nowMs - created) / 1000));
  return ageSeconds >= intervalSeconds ? { kind: 'due', reason: 'expired', ageSeconds } : { kind: 'fresh', ageSeconds };
}

/** The `instanceId` an es-guard secret record names, if it is one; nothing else of the record is kept. */
function ownerOf(secretData: string): string | undefined {
  try {
    const value: unknown = JSON.parse(secretData);
    const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['instanceId'] : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    // Not JSON (someone else's secret): the parser's message may quote the data, so it is dropped.
    return undefined;
  }
}

/** Code and message of any error, for a summary entry (ApiError and DispatchError carry a `code`). */
export function errorFields(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' && code !== '' ? code : error.name || 'Error', message: error.message };
  }
  return { code: 'Error', message: String(error) };
}
