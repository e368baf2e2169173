/**
 * Input validation for es-guard: zod/mini schemas whose failures become a `ValidationError` with
 * `{field, rule, message}` issues, plus the IP address/CIDR toolkit the whitelist code shares.
 * Exported is what other folders use; this folder's unit tests import the rest by path.
 */
export { clientTokenSchema } from './client-token';
export { instanceIdSchema, isInstanceId } from './instance';
export type { IpEntry } from './ip';
export { canonicalIp, embeddedIPv4, isPrivateAddressRange, parseIpEntry, rangeContains, tryParseIpEntry } from './ip';
export type { Problem } from './parse';
export { capIssues, check, jsonObject, MAX_REPORTED_ISSUES, rules } from './parse';
export type { PasswordClass } from './password';
export { PASSWORD_CLASSES, PASSWORD_MAX_LENGTH, PASSWORD_MIN_CLASSES, PASSWORD_MIN_LENGTH, passwordSchema } from './password';
export type { WhitelistRequest } from './whitelist';
export { groupNameSchema, parseWhitelistHttpRequest, parseWhitelistRequest } from './whitelist';
