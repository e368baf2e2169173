import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FieldIssue, ValidationError } from '../../shared/errors';
import { PASSWORD_CLASSES, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordSchema } from '../../shared/validation';
import { parse } from '../../shared/validation/parse';
import { adminPasswordBodySchema, isValidPassword, PASSWORD_SPECIALS, passwordRulesBroken } from '../../shared/validation/password';

/** The policy as the API page words it, written independently of the module (regexes, code points). */
function referenceRules(pw: string): string[] {
  const chars = Array.from(pw);
  const broken: string[] = [];
  if (chars.length < 8 || chars.length > 32) broken.push('password-length');
  if (!chars.every((c) => /^[A-Za-z0-9]$/.test(c) || '!@#$%^&*()_+-='.includes(c))) broken.push('password-characters');
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[!@#$%^&*()_+\-=]/].filter((re) => re.test(pw)).length;
  if (classes < 3) broken.push('password-classes');
  return broken;
}

const issuesOf = (value: unknown): FieldIssue[] => {
  try {
    parse(adminPasswordBodySchema, { esAdminPassword: value }, 'body');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return [...(e as ValidationError).issues];
  }
  return [];
};

const passwordChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') },
  { weight: 2, arbitrary: fc.constantFrom(...PASSWORD_SPECIALS) },
  // Near misses: ASCII punctuation outside the set, whitespace, look-alikes, astral characters.
  { weight: 1, arbitrary: fc.constantFrom(...'~`[]{}|\\;:\'",.<>/? \t\n', '\u0000', 'é', 'Ａ', '１', '！', '😀', 'İ', 'ß') },
);
// size 'max': fast-check otherwise keeps strings to about ten characters, short of the 32/33 boundary.
const passwordArb = fc.oneof(
  fc.string({ unit: passwordChar, minLength: 0, maxLength: 40, size: 'max' }),
  fc.string({ unit: fc.constantFrom(...PASSWORD_SPECIALS, 'a', 'Z', '1'), minLength: 6, maxLength: 34, size: 'max' }),
  fc.string({ maxLength: 40, size: 'max' }),
);

describe('password policy', () => {
  it('exports the constants the generator must use', () => {
    expect(PASSWORD_SPECIALS).toBe('!@#$%^&*()_+-=');
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([8, 32]);
    expect(Object.keys(PASSWORD_CLASSES)).toEqual(['upper', 'lower', 'digit', 'special']);
  });

  it.each<[string, string[]]>([
    ['Abcdefg1', []],
    ['abcdefg1!', []],
    ['ABCDEFG1!', []],
    ['abcdefg!A', []],
    ['!@#$%^&*()_+-=aA', []],
    [`Aa1${'x'.repeat(29)}`, []],
    ['Abcdef1', ['password-length']],
    [`Aa1${'x'.repeat(30)}`, ['password-length']],
    ['abcdefgh', ['password-classes']],
    ['abcdefg1', ['password-classes']],
    ['ABCD!@#$', ['password-classes']],
    ['12345678', ['password-classes']],
    ['Abcdefg 1', ['password-characters']],
    ['Abcdefg1~', ['password-characters']],
    ['Abcdefg1.', ['password-characters']],
    ['Abcdéfg1', ['password-characters']],
    ['Ａbcdefg1', ['password-characters', 'password-classes']],
    ['Ａbcdefg1!', ['password-characters']],
    ['Abcdefg1\n', ['password-characters']],
    ['', ['password-length', 'password-classes']],
    ['é', ['password-length', 'password-characters', 'password-classes']],
  ])('%j breaks %j', (pw, rules) => {
    expect(passwordRulesBroken(pw)).toEqual(rules);
    expect(isValidPassword(pw)).toBe(rules.length === 0);
    expect(issuesOf(pw).map((i) => [i.field, i.rule])).toEqual(rules.map((r) => ['esAdminPassword', r]));
  });

  it('refuses non-strings and unknown body fields', () => {
    expect(issuesOf(12345678).map((i) => i.rule)).toEqual(['type']);
    expect(issuesOf(undefined).map((i) => i.rule)).toEqual(['required']);
    expect(() => parse(adminPasswordBodySchema, { esAdminPassword: 'Abcdefg1', password: 'x' })).toThrow(ValidationError);
    expect(isValidPassword(null)).toBe(false);
  });

  it('a very long input is refused on length alone', () => {
    expect(passwordRulesBroken('Aa1!'.repeat(100_000))).toEqual(['password-length']);
  });

  it('agrees with an independent reference implementation over random strings', () => {
    fc.assert(
      fc.property(passwordArb, (pw) => {
        expect(passwordRulesBroken(pw)).toEqual(referenceRules(pw));
        expect(isValidPassword(pw)).toBe(referenceRules(pw).length === 0);
      }),
      { numRuns: 20_000 },
    );
  });

  it('never echoes the password: the error depends only on which rules are broken', () => {
    const fixed = new Map<string, string>();
    for (const sample of ['', 'é', 'x'.repeat(40)]) for (const i of issuesOf(sample)) fixed.set(i.rule, i.message);
    expect([...fixed.keys()].sort()).toEqual(['password-characters', 'password-classes', 'password-length']);
    const renderedByRules = new Map<string, string>();
    fc.assert(
      fc.property(passwordArb, (pw) => {
        let thrown: unknown;
        try {
          parse(passwordSchema, pw, 'esAdminPassword');
        } catch (e) {
          thrown = e;
        }
        if (thrown === undefined) return;
        const err = thrown as ValidationError;
        for (const i of err.issues) expect(i.message).toBe(fixed.get(i.rule));
        // Two passwords that break the same rules get the very same error text, so none of it comes from the password.
        const key = err.issues.map((i) => i.rule).join(',');
        const rendered = `${err.message} ${JSON.stringify(err.issues)}`;
        const seen = renderedByRules.get(key);
        if (seen === undefined) renderedByRules.set(key, rendered);
        else expect(rendered).toBe(seen);
      }),
      { numRuns: 5000 },
    );
    expect(renderedByRules.size).toBeGreaterThanOrEqual(4);
  });
});
