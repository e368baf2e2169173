import type { ApiFaultError } from './errors';

/*
 * Request-parameter and command-line parsing shared by the services and the two commands. Each caller
 * keeps its own error (the real APIs word them differently); the parsing rules are written once.
 */

/**
 * A parameter carrying a JSON array (ECS's InstanceIds, KMS's VersionStages, Elasticsearch's tags):
 * undefined when absent or empty; `notJson` when the text is not JSON, `notArray` when it is JSON but no array.
 */
export function jsonArrayParam(
  text: string | undefined,
  faults: { readonly notJson: () => ApiFaultError; readonly notArray: () => ApiFaultError },
): unknown[] | undefined {
  if (text === undefined || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw faults.notJson();
  }
  if (!Array.isArray(parsed)) throw faults.notArray();
  return parsed;
}

/**
 * A page number or size: decimal digits only, at least 1 and at most `max`; `fallback` when absent or
 * empty. `invalid` says which rule failed (`positive`: not a positive integer, `max`: above `max`).
 */
export function positiveIntParam(
  text: string | undefined,
  fallback: number,
  max: number,
  invalid: (rule: 'positive' | 'max') => ApiFaultError,
): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw invalid('positive');
  const n = Number(text);
  if (n > max) throw invalid('max');
  return n;
}

/** A command-line option that takes a whole number (a port, milliseconds): `fallback` when not given. */
export function wholeNumberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}
