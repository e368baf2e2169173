export { acsEncode, encodePathSegment, canonicalUri } from './encoding';
export {
  ALGORITHM,
  EMPTY_SHA256,
  signRequest,
  sha256Hex,
  formatAcsDate,
  canonicalQuery,
  canonicalHeaders,
  buildCanonicalRequest,
  computeSignature,
  newNonce,
} from './signer';
export type { AccessKey, QueryParams, RequestToSign, SignOptions } from './signer';
export { verifyRequest } from './verifier';
export type { ReceivedRequest, VerifyPolicy, VerifyResult } from './verifier';
