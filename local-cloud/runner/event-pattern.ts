/**
 * The subset of EventBridge event patterns es-guard's s.yaml uses: per attribute a list of allowed
 * values or `{prefix}`/`{suffix}`/`{anything-but}` matchers; nested objects match into `data`.
 */
type Matcher = string | number | boolean | null | { prefix?: string; suffix?: string; 'anything-but'?: unknown };

function matchesValue(value: unknown, matcher: Matcher): boolean {
  if (matcher === null || typeof matcher !== 'object') return value === matcher;
  if (typeof matcher.prefix === 'string') return typeof value === 'string' && value.startsWith(matcher.prefix);
  if (typeof matcher.suffix === 'string') return typeof value === 'string' && value.endsWith(matcher.suffix);
  if ('anything-but' in matcher) {
    const banned = matcher['anything-but'];
    return Array.isArray(banned) ? !banned.includes(value) : value !== banned;
  }
  return false;
}

export function matchesPattern(event: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  const e = (event ?? {}) as Record<string, unknown>;
  for (const [key, rule] of Object.entries(pattern as Record<string, unknown>)) {
    const value = e[key];
    if (Array.isArray(rule)) {
      if (!rule.some((m) => matchesValue(value, m as Matcher))) return false;
    } else if (rule && typeof rule === 'object') {
      if (!matchesPattern(value, rule)) return false;
    } else return false;
  }
  return true;
}
