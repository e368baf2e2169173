/**
 * UpdatePrivateNetworkWhiteIps requests as es-guard accepts them (the seed API page is the contract):
 * exactly one of the plain list or a single whitelist group, every entry a strict IP or CIDR. The output
 * is normalised: canonical entries, `""` dropped, duplicates removed in first-seen order, mode defaulted.
 * Unknown fields are refused so that a typo (`modifymode`) cannot silently turn into a default Cover.
 */
import * as z from 'zod/mini';
import type { ModifyMode } from '../api';
import { ValidationError, type FieldIssue } from '../errors';
import { clientTokenSchema } from './client-token';
import { instanceIdSchema } from './instance';
import { tryParseIpEntry } from './ip';
import { capIssues, check, formatPath, guard, jsonObject, type Problem, rules, type TokenRules, tokenProblems } from './parse';

export const MODIFY_MODES = ['Cover', 'Append', 'Delete'] as const satisfies readonly ModifyMode[];

/** The only whitelist type this operation changes. */
export const PRIVATE_ES = 'PRIVATE_ES';

/**
 * Alibaba's pages found do not state the group-name rule, so this is es-guard's own conservative one
 * (the API sample `test_group_name` and the built-in `default` fit it); it keeps names safe in logs and paths.
 */
export const GROUP_NAME_MAX_LENGTH = 30;
const GROUP_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export interface WhitelistLimits {
  /** Raw entries accepted in one request's list (before `""` and duplicates are dropped). */
  readonly maxEntries: number;
}

export const DEFAULT_WHITELIST_LIMITS: WhitelistLimits = { maxEntries: 1000 };

interface WhitelistTarget {
  readonly instanceId: string;
  readonly modifyMode: ModifyMode;
  readonly clientToken?: string;
}

export interface WhiteIpGroupInput {
  readonly groupName: string;
  /** Canonical, deduplicated, `""` removed; empty only for a Cover that deletes the group. */
  readonly ips: readonly string[];
  readonly whiteIpType: typeof PRIVATE_ES;
}

export type WhitelistRequest = WhitelistTarget &
  (
    | { readonly privateNetworkIpWhiteList: readonly string[]; readonly whiteIpGroup?: undefined }
    | { readonly whiteIpGroup: WhiteIpGroupInput; readonly privateNetworkIpWhiteList?: undefined }
  );

const GROUP_NAME_RULES: TokenRules = {
  emptyRule: 'required',
  maxLength: GROUP_NAME_MAX_LENGTH,
  pattern: GROUP_NAME,
  patternRule: 'group-name-format',
  patternMessage: 'must start with a letter and contain only letters, digits and underscores',
};

export function groupNameProblems(name: string): Problem[] {
  return tokenProblems(name, GROUP_NAME_RULES);
}

export const groupNameSchema = /* @__PURE__ */ (() => z.string().check(rules<string>(groupNameProblems)))();

/** One entry: its canonical form, or `""` passed through for the list to drop. */
export const ipEntrySchema = /* @__PURE__ */ (() =>
  z.pipe(
    z.string(),
    z.transform((s: string, ctx) => {
      if (s === '') return s;
      const r = tryParseIpEntry(s);
      if (r.ok) return r.entry.canonical;
      ctx.issues.push({ code: 'custom', message: r.problem.message, params: { rule: r.problem.rule }, input: s });
      return z.NEVER;
    }),
  ))();

function ipListSchema(limits: WhitelistLimits) {
  return z.pipe(
    // Checked before the elements so that a huge or non-list value costs one issue, not one per element.
    guard((v) => {
      if (v === undefined) return { rule: 'required', message: 'is required' };
      if (!Array.isArray(v)) return { rule: 'type', message: 'must be a list of IP addresses or CIDR blocks' };
      if (v.length > limits.maxEntries)
        return { rule: 'max-entries', message: `has ${v.length} entries; at most ${limits.maxEntries} are allowed in one request` };
      return undefined;
    }),
    z.pipe(
      z.array(ipEntrySchema),
      z.transform((list: string[]) => [...new Set(list.filter((ip) => ip !== ''))]),
    ),
  );
}

function groupSchema(limits: WhitelistLimits) {
  return z.pipe(
    guard((v) =>
      Array.isArray(v)
        ? { rule: 'one-group-per-call', message: 'must be one group object; the API updates one whitelist group per call' }
        : undefined,
    ),
    jsonObject({
      groupName: groupNameSchema,
      ips: ipListSchema(limits),
      whiteIpType: z.optional(z.literal(PRIVATE_ES)),
    }),
  );
}

const modifyModeSchema = /* @__PURE__ */ (() => z._default(z.enum(MODIFY_MODES), 'Cover'))();

function paramsShape() {
  return {
    instanceId: instanceIdSchema,
    modifyMode: modifyModeSchema,
    clientToken: z.optional(clientTokenSchema),
  };
}

function bodyShape(limits: WhitelistLimits) {
  return {
    privateNetworkIpWhiteList: z.optional(ipListSchema(limits)),
    whiteIpGroup: z.optional(groupSchema(limits)),
  };
}

type Params = { instanceId: string; modifyMode: ModifyMode; clientToken?: string | undefined };
type Body = {
  privateNetworkIpWhiteList?: string[] | undefined;
  whiteIpGroup?: { groupName: string; ips: string[]; whiteIpType?: typeof PRIVATE_ES | undefined } | undefined;
};

function own<T extends object, K extends keyof T>(obj: T, key: K): T[K] | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** The rules that span fields; problem paths are relative to the body's fields. */
function assemble(params: Params, body: Body): { value: WhitelistRequest; problems: Problem[] } {
  const problems: Problem[] = [];
  // zod leaves absent optional keys absent: read own fields only, or a polluted prototype could answer.
  const clientToken = own(params, 'clientToken');
  const target: WhitelistTarget = {
    instanceId: params.instanceId,
    modifyMode: params.modifyMode,
    ...(clientToken === undefined ? {} : { clientToken }),
  };
  const mode = params.modifyMode;
  const list = own(body, 'privateNetworkIpWhiteList');
  const group = own(body, 'whiteIpGroup');

  if (list !== undefined && group !== undefined) {
    problems.push({ rule: 'one-body-form', message: 'give either privateNetworkIpWhiteList or whiteIpGroup, not both' });
  } else if (list === undefined && group === undefined) {
    problems.push({ rule: 'body-form-required', message: 'needs privateNetworkIpWhiteList or whiteIpGroup' });
  } else if (list !== undefined && list.length === 0) {
    problems.push(
      mode === 'Cover'
        ? {
            rule: 'cover-empty-list',
            path: ['privateNetworkIpWhiteList'],
            message: 'is empty; Cover with no entries would remove every entry of the whitelist',
          }
        : { rule: 'ips-required', path: ['privateNetworkIpWhiteList'], message: `needs at least one IP address for ${mode}` },
    );
  } else if (group !== undefined && group.ips.length === 0 && mode !== 'Cover') {
    problems.push({
      rule: 'ips-required',
      path: ['whiteIpGroup', 'ips'],
      message: `needs at least one IP address for ${mode} (an empty list deletes a group only with Cover)`,
    });
  }

  const value: WhitelistRequest =
    group !== undefined
      ? { ...target, whiteIpGroup: { groupName: group.groupName, ips: group.ips, whiteIpType: PRIVATE_ES } }
      : { ...target, privateNetworkIpWhiteList: list ?? [] };
  return { value, problems };
}

export interface WhitelistValidation {
  /** The whole request as one object: `{instanceId, modifyMode?, clientToken?, privateNetworkIpWhiteList? | whiteIpGroup?}`. */
  readonly requestSchema: z.ZodMiniType<WhitelistRequest, unknown>;
  /** HTTP form: path and query values, `{instanceId, modifyMode?, clientToken?}`. */
  readonly httpParamsSchema: z.ZodMiniType<Params, unknown>;
  /** HTTP form: the body alone, holding one of the two forms. */
  readonly httpBodySchema: z.ZodMiniType<Body, unknown>;
  parseRequest(input: unknown): WhitelistRequest;
  /** Validates path/query values and body together; issues from both are reported at once. */
  parseHttpRequest(params: unknown, body: unknown): WhitelistRequest;
}

export function createWhitelistValidation(limits: WhitelistLimits = DEFAULT_WHITELIST_LIMITS): WhitelistValidation {
  const requestSchema = requestSchemaFor(limits);
  const httpParamsSchema = httpParamsSchemaFor();
  const httpBodySchema = httpBodySchemaFor(limits);
  return {
    requestSchema,
    httpParamsSchema,
    httpBodySchema,
    parseRequest: (input) => parseRequestWith(requestSchema, input),
    parseHttpRequest: (params, body) => parseHttpWith(httpParamsSchema, httpBodySchema, params, body),
  };
}

function requestSchemaFor(limits: WhitelistLimits): z.ZodMiniType<WhitelistRequest, unknown> {
  return z.pipe(
    jsonObject({ ...paramsShape(), ...bodyShape(limits) }),
    z.transform((req: Params & Body, ctx) => {
      const { value, problems } = assemble(req, req);
      for (const p of problems) {
        ctx.issues.push({ code: 'custom', message: p.message, params: { rule: p.rule }, input: req, path: [...(p.path ?? [])] });
      }
      return value;
    }),
  );
}

function httpParamsSchemaFor(): z.ZodMiniType<Params, unknown> {
  return jsonObject(paramsShape());
}

function httpBodySchemaFor(limits: WhitelistLimits): z.ZodMiniType<Body, unknown> {
  return jsonObject(bodyShape(limits));
}

function fail(issues: readonly FieldIssue[], root: string): never {
  throw new ValidationError(capIssues(issues, root));
}

function parseRequestWith(schema: z.ZodMiniType<WhitelistRequest, unknown>, input: unknown): WhitelistRequest {
  const r = check(schema, input, 'request');
  return r.ok ? r.value : fail(r.issues, 'request');
}

function parseHttpWith(
  paramsSchema: z.ZodMiniType<Params, unknown>,
  bodySchema: z.ZodMiniType<Body, unknown>,
  params: unknown,
  body: unknown,
): WhitelistRequest {
  const p = check(paramsSchema, params, 'query');
  const b = check(bodySchema, body, 'body');
  if (!p.ok || !b.ok) return fail([...(p.ok ? [] : p.issues), ...(b.ok ? [] : b.issues)], 'request');
  const { value, problems } = assemble(p.value, b.value);
  if (problems.length > 0)
    return fail(
      problems.map((x) => ({ field: formatPath(x.path ?? [], 'body'), rule: x.rule, message: x.message })),
      'body',
    );
  return value;
}

// Each default built by its own annotated call so that a bundle which never touches whitelists drops them.
export const whitelistRequestSchema = /* @__PURE__ */ requestSchemaFor(DEFAULT_WHITELIST_LIMITS);
export const whitelistHttpParamsSchema = /* @__PURE__ */ httpParamsSchemaFor();
export const whitelistHttpBodySchema = /* @__PURE__ */ httpBodySchemaFor(DEFAULT_WHITELIST_LIMITS);

export function parseWhitelistRequest(input: unknown): WhitelistRequest {
  return parseRequestWith(whitelistRequestSchema, input);
}

/** Path/query values and body validated together; issues from both are reported at once. */
export function parseWhitelistHttpRequest(params: unknown, body: unknown): WhitelistRequest {
  return parseHttpWith(whitelistHttpParamsSchema, whitelistHttpBodySchema, params, body);
}
