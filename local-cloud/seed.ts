import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AnyService, SeedOfServices } from './service';
import { SERVICES, type Services } from './services';

/** A seed file: each service's part under its key, a list of entries with the schema its folder declares. */
export type SeedFile<S extends readonly AnyService[] = Services> = SeedOfServices<S>;

/** A validated seed: every part present (an absent one is empty). */
export type ParsedSeed<S extends readonly AnyService[] = Services> = Required<SeedFile<S>>;

function schemaOf(services: readonly AnyService[]): z.ZodType<Readonly<Record<string, readonly unknown[]>>> {
  const parts: Record<string, z.ZodType<unknown[]>> = {};
  for (const s of services) if (s.seed) parts[s.seed.key] = z.array(s.seed.entry).default([]);
  return z.object(parts);
}

/** Checks a seed object against the parts of `services`, naming the field and rule of the first problems found. */
export function parseSeedOf<S extends readonly AnyService[]>(services: S, value: unknown, source = 'seed'): ParsedSeed<S> {
  const result = schemaOf(services).safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid seed file:\n  ${problems.join('\n  ')}`);
  }
  return result.data as ParsedSeed<S>;
}

/** Checks a seed object, naming the field and rule of the first problems found. */
export function parseSeed(value: unknown, source = 'seed'): ParsedSeed {
  return parseSeedOf(SERVICES, value, source);
}

export function loadSeedFile(path: string): ParsedSeed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read seed file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`seed file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseSeed(json, `seed file ${path}`);
}
