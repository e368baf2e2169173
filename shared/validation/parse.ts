/**
 * Runs a zod schema and turns its issues into es-guard's `ValidationError` with `{field, rule, message}`
 * issues. Messages are written here, never taken from zod and never built from the input, so a rejected
 * secret cannot leak through an error.
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../errors';

/** More than this many issues are summed up in one last issue, so a hostile 10 000-entry list gives a short error. */
export const MAX_REPORTED_ISSUES = 20;

/** A broken rule found by es-guard's own checks; `path` is relative to the value checked. */
export interface Problem {
  readonly rule: string;
  readonly message: string;
  readonly path?: readonly PropertyKey[];
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: FieldIssue[] };

/**
 * Validates without throwing; every issue is returned (capping happens when an error is thrown). `root`
 * names the whole input in issues about the input itself (e.g. the body is not an object).
 */
export function check<S extends z.core.$ZodType>(schema: S, input: unknown, root = 'request'): Checked<z.output<S>> {
  // `jitless`: zod otherwise compiles object parsers with `new Function` on first use, which costs cold start
  // and is refused where code generation is disabled.
  const r = z.safeParse(schema, input, { reportInput: true, jitless: true });
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, issues: toFieldIssues(r.error.issues, root) };
}

/** Validates and returns the schema's output, or throws a ValidationError. */
export function parse<S extends z.core.$ZodType>(schema: S, input: unknown, root = 'request'): z.output<S> {
  const r = check(schema, input, root);
  if (!r.ok) throw new ValidationError(capIssues(r.issues, root));
  return r.value;
}

/** The issue list a ValidationError gets: capped, with a last issue counting what was left out. */
export function capIssues(issues: readonly FieldIssue[], root = 'request'): FieldIssue[] {
  if (issues.length <= MAX_REPORTED_ISSUES) return [...issues];
  const shown = issues.slice(0, MAX_REPORTED_ISSUES);
  shown.push({ field: root, rule: 'too-many-issues', message: `${issues.length - MAX_REPORTED_ISSUES} more issues not shown` });
  return shown;
}

export function toFieldIssues(issues: readonly z.core.$ZodIssue[], root = 'request'): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: formatPath([...issue.path, key], root), rule: 'unknown-field', message: 'is not a known field' });
      }
      continue;
    }
    out.push({ field: formatPath(issue.path, root), ...describe(issue) });
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): { rule: string; message: string } {
  switch (issue.code) {
    case 'custom': {
      const rule = issue.params?.['rule'];
      return { rule: typeof rule === 'string' ? rule : 'invalid', message: issue.message };
    }
    case 'invalid_type':
      if (issue.input === undefined) return { rule: 'required', message: 'is required' };
      return { rule: 'type', message: `must be ${article(issue.expected)}, got ${kindOf(issue.input)}` };
    case 'too_small': {
      const items = issue.origin === 'array' || issue.origin === 'set';
      return items
        ? { rule: 'min-items', message: `must have at least ${issue.minimum} entries` }
        : { rule: 'min-length', message: `must be at least ${issue.minimum} characters long` };
    }
    case 'too_big': {
      const items = issue.origin === 'array' || issue.origin === 'set';
      return items
        ? { rule: 'max-items', message: `must have at most ${issue.maximum} entries` }
        : { rule: 'max-length', message: `must be at most ${issue.maximum} characters long` };
    }
    case 'invalid_value':
      return { rule: 'enum', message: `must be one of ${issue.values.map((v) => String(v)).join(', ')}` };
    case 'invalid_format':
      return { rule: 'format', message: `is not in the expected format (${issue.format})` };
    default:
      return { rule: 'invalid', message: 'is not valid' };
  }
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'an object';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/** `whiteIpGroup.ips[2]`; keys that are not plain identifiers are quoted and cut short. */
export function formatPath(path: readonly PropertyKey[], root = 'request'): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else {
      const text = typeof seg === 'symbol' ? String(seg.description) : seg;
      out += `[${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)}]`;
    }
  }
  return out === '' ? root : out;
}

/**
 * A zod check from a plain function returning the rules the value breaks: how es-guard's own rules get a
 * stable rule name into the issue.
 */
export function rules<T>(fn: (value: T) => readonly Problem[]): z.core.$ZodCheck<T> {
  return z.check<T>((payload) => {
    for (const p of fn(payload.value)) {
      payload.issues.push({
        code: 'custom',
        message: p.message,
        params: { rule: p.rule },
        input: payload.value,
        path: p.path ? [...p.path] : [],
      });
    }
  });
}

/** The rules a token-like string field is held to, checked in the order a caller fixes them. */
export interface TokenRules {
  /** Rule named when the value is empty. */
  readonly emptyRule: string;
  readonly maxLength: number;
  readonly pattern: RegExp;
  readonly patternRule: string;
  readonly patternMessage: string;
}

/** The first rule of `r` the value breaks: present, then short enough, then well formed. */
export function tokenProblems(value: string, r: TokenRules): Problem[] {
  if (value.length === 0) return [{ rule: r.emptyRule, message: 'must not be empty' }];
  if (value.length > r.maxLength) return [{ rule: 'max-length', message: `must be at most ${r.maxLength} characters long` }];
  return r.pattern.test(value) ? [] : [{ rule: r.patternRule, message: r.patternMessage }];
}

/** Fails the value before any further parsing when `problem` returns something (used for cheap guards). */
export function guard(problem: (value: unknown) => Problem | undefined): z.ZodMiniUnknown {
  return z.unknown().check(
    rules<unknown>((v) => {
      const p = problem(v);
      return p === undefined ? [] : [p];
    }),
  );
}

/**
 * A strict object schema that reads only the input's own fields. zod reads `input[key]`, which would
 * also find keys inherited from a polluted `Object.prototype` (an absent `modifyMode` turning into
 * `Delete`); copying own fields onto a null-prototype object first closes that. Anything but a plain
 * object (arrays, boxed values, class instances) is refused.
 */
export function jsonObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.pipe(
    z.transform((value: unknown, ctx): Record<string, unknown> => {
      const problem = plainObjectProblem(value);
      if (problem !== undefined) {
        ctx.issues.push({ code: 'custom', message: problem.message, params: { rule: problem.rule }, input: value });
        return z.NEVER;
      }
      const own = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(value as object)) own[key] = (value as Record<string, unknown>)[key];
      return own;
    }),
    z.strictObject(shape),
  );
}

function plainObjectProblem(value: unknown): Problem | undefined {
  if (value === undefined) return { rule: 'required', message: 'is required' };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { rule: 'type', message: `must be an object, got ${kindOf(value)}` };
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return { rule: 'type', message: 'must be a plain JSON object' };
  // Own accessors would run caller code during validation; JSON never produces them.
  for (const d of Object.values(Object.getOwnPropertyDescriptors(value))) {
    if (d.get !== undefined || d.set !== undefined) return { rule: 'type', message: 'must be a plain JSON object' };
  }
  return undefined;
}
