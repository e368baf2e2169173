import { TransportError } from '../http/transport';
import { BusyError, EsGuardError, NotFoundError, UpstreamError } from '../errors';
import { ApiError, BUSY_INSTANCE_CODES, isThrottling } from './errors';

/** The API gateway refusing es-guard's own signature or credentials (all 400s): the caller can fix none of them. */
const GATEWAY_AUTH = /^(?:InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|MissingAuthorization|InvalidSecurityToken|InvalidTimeStamp|SignatureNonceUsed|ContentSHA256NotMatch)/;

/**
 * What a caller of es-guard is told when a cloud call failed for good (retries spent): not found is 404,
 * still busy is 409 with Retry-After, a request the service refused is 400 with its code, and anything
 * the caller cannot fix (5xx, network, es-guard's own role lacking a permission) is 502.
 */
export function toCallerError(error: unknown): unknown {
  if (error instanceof EsGuardError) return error;
  if (error instanceof TransportError) return new UpstreamError('UpstreamUnavailable', `the cloud API could not be reached: ${error.code}`, error);
  if (!(error instanceof ApiError)) return error;
  const ref = error.requestId ? ` (RequestId ${error.requestId})` : '';
  if (error.code === 'InstanceNotFound' || error.code === 'NotFound' || error.code.startsWith('Forbidden.ResourceNotFound')) {
    return new NotFoundError(error.code, `${error.message.replace(/^[^:]+ failed: /, '')}${ref}`);
  }
  if (BUSY_INSTANCE_CODES.has(error.code)) {
    return new BusyError(error.code, `the instance is busy with an earlier change${ref}; retry later`, Math.max(1, Math.ceil((error.retryAfterMs ?? 5000) / 1000)));
  }
  if (isThrottling(error.code, error.status)) {
    return new EsGuardError(429, error.code, `the cloud API is throttling requests${ref}`, { retryAfterSeconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)) });
  }
  if (error.status >= 500 || error.status === 401 || error.status === 403 || error.code.startsWith('Forbidden') || GATEWAY_AUTH.test(error.code)) {
    return new UpstreamError(error.code, `${error.action} failed upstream: ${error.code}${ref}`, error);
  }
  return new EsGuardError(400, error.code, `${error.message.replace(/^[^:]+ failed: /, '')}${ref}`, { cause: error });
}
