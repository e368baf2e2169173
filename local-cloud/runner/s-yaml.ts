import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A trigger of one function as s.yaml declares it, with `${env(...)}` and `${vars.x}` resolved. */
export interface TriggerSpec {
  readonly triggerName: string;
  readonly triggerType: 'http' | 'timer' | 'eventbridge' | string;
  readonly triggerConfig: Readonly<Record<string, unknown>>;
}

export interface FunctionSpec {
  /** The resource key in s.yaml, which is also the folder under functions/ and dist/. */
  readonly name: string;
  readonly functionName: string;
  readonly timeout: number;
  readonly memorySize: number;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly triggers: readonly TriggerSpec[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Serverless Devs' variable syntax, resolved the way `s deploy` does for the subset s.yaml uses. */
export function resolveVariables(text: string, env: Env, vars: Readonly<Record<string, unknown>> = {}): string {
  return text.replace(/\$\{\s*env\(\s*'([^']+)'\s*(?:,\s*'([^']*)'\s*)?\)\s*\}/g, (_m, name: string, fallback: string | undefined) => env[name] ?? fallback ?? '')
    .replace(/\$\{\s*vars\.([A-Za-z0-9_]+)\s*\}/g, (_m, name: string) => String(vars[name] ?? ''));
}

export function loadFunctionSpecs(file: string, env: Env = process.env): FunctionSpec[] {
  const raw = readFileSync(file, 'utf8');
  // vars are resolved first (they may use env), then the rest of the file with them.
  const varsOnly = parse(resolveVariables(raw, env)) as { vars?: Record<string, unknown> };
  const doc = parse(resolveVariables(raw, env, varsOnly.vars ?? {})) as { resources?: Record<string, { component?: string; props?: Record<string, unknown> }> };
  const specs: FunctionSpec[] = [];
  for (const [name, resource] of Object.entries(doc.resources ?? {})) {
    if (resource.component !== 'fc3' || !resource.props) continue;
    const p = resource.props;
    const envVars: Record<string, string> = {};
    for (const [k, v] of Object.entries((p['environmentVariables'] as Record<string, unknown>) ?? {})) envVars[k] = v === null || v === undefined ? '' : String(v);
    specs.push({
      name,
      functionName: String(p['functionName'] ?? name),
      timeout: Number(p['timeout'] ?? 60),
      memorySize: Number(p['memorySize'] ?? 128),
      environmentVariables: envVars,
      triggers: ((p['triggers'] as TriggerSpec[] | undefined) ?? []).map((t) => ({ ...t, triggerConfig: t.triggerConfig ?? {} })),
    });
  }
  return specs;
}
