/**
 * Alibaba Cloud's ACS3-HMAC-SHA256 request signature: signing what es-guard sends, and verifying what
 * the local cloud receives. The canonical-request pieces stay internal (test/signing reaches them by path).
 */
export { acsEncode, encodePathSegment } from './encoding';
export type { AccessKey, SignOptions } from './signer';
export { newNonce, signRequest } from './signer';
export type { ReceivedRequest } from './verifier';
export { verifyRequest } from './verifier';
