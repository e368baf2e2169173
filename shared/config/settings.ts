import { ConfigError } from './errors';

/** The environment a function reads its settings from: `process.env`, or a test's own object. */
export type Env = Readonly<Record<string, string | undefined>>;

const present = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

export function intSetting(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < range.min || n > range.max) throw new ConfigError(name, `must be between ${range.min} and ${range.max}, got ${n}`);
  return n;
}

export function boolSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function stringSetting(env: Env, name: string, fallback: string): string;
export function stringSetting(env: Env, name: string): string | undefined;
export function stringSetting(env: Env, name: string, fallback?: string): string | undefined {
  return present(env, name) ?? fallback;
}

/** Comma- or whitespace-separated values; unset or empty gives an empty list. */
export function listSetting(env: Env, name: string): string[] {
  const raw = present(env, name);
  return raw === undefined ? [] : raw.split(/[\s,]+/).filter((s) => s !== '');
}
