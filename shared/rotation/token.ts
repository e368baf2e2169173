import { createHash } from 'node:crypto';

/**
 * The rotation token: KMS VersionId of the new version and clientToken of UpdateAdminPassword. It is
 * derived from the version it replaces, not random, so two rotations started together agree on it: KMS
 * lets only one of them write that version (same VersionId, other data is rejected) and the other resumes
 * the winner's. `attempt` > 0 names the next token when an earlier one was abandoned (its version lost
 * its ACSPending stage without becoming ACSCurrent); every run walks the same sequence, so they still
 * agree. 36 ASCII characters: within both the clientToken (64) and VersionId limits.
 */
export function rotationToken(instanceId: string, currentVersionId: string, attempt = 0): string {
  const input = attempt === 0 ? `${instanceId}:${currentVersionId}` : `${instanceId}:${currentVersionId}:${attempt}`;
  return `rot-${createHash('sha256').update(input).digest('hex').slice(0, 32)}`;
}
