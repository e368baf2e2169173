/**
 * The idempotency token of write calls. The API allows up to 64 ASCII characters; es-guard also refuses
 * spaces and control characters because a token travels in a query string, where a space can arrive as
 * `+` or `%20` and a replay would then no longer match.
 */
import * as z from 'zod/mini';
import { type Problem, rules, type TokenRules, tokenProblems } from './parse';

export const MAX_CLIENT_TOKEN_LENGTH = 64;

const CLIENT_TOKEN: TokenRules = {
  emptyRule: 'min-length',
  maxLength: MAX_CLIENT_TOKEN_LENGTH,
  pattern: /^[\x21-\x7e]+$/,
  patternRule: 'client-token-charset',
  patternMessage: 'must contain only printable ASCII characters, without spaces',
};

export function clientTokenProblems(value: string): Problem[] {
  return tokenProblems(value, CLIENT_TOKEN);
}

export function isClientToken(value: unknown): value is string {
  return typeof value === 'string' && clientTokenProblems(value).length === 0;
}

export const clientTokenSchema = /* @__PURE__ */ (() => z.string().check(rules<string>(clientTokenProblems)))();
