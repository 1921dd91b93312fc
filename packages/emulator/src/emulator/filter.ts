/**
 * The subset of EventBridge pattern matching that Kafka event filtering uses (docs/aws-behaviours.md, "Filtering"): a
 * pattern is an object tree whose leaves are arrays of alternatives — exact values, or
 * `{prefix}`, `{anything-but}`, `{exists}`, `{numeric: [op, n, …]}` matchers. Kafka mappings filter on
 * `value` only; a record matches when any pattern (at most 5, ORed) matches.
 */
type Matcher = unknown;

function matchesNumeric(value: unknown, conditions: unknown[]): boolean {
  if (typeof value !== 'number') return false;
  for (let index = 0; index < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = conditions[index + 1] as number;
    const ok =
      (operator === '=' && value === bound) ||
      (operator === '<' && value < bound) ||
      (operator === '<=' && value <= bound) ||
      (operator === '>' && value > bound) ||
      (operator === '>=' && value >= bound);
    if (!ok) return false;
  }
  return true;
}

function matchesAlternative(value: unknown, present: boolean, alternative: Matcher): boolean {
  if (alternative === null || typeof alternative !== 'object') return present && value === alternative;
  const rule = alternative as Record<string, unknown>;
  if ('exists' in rule) return rule.exists === present;
  if (!present) return false;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(String(rule.prefix));
  if ('anything-but' in rule) {
    const excluded = Array.isArray(rule['anything-but']) ? rule['anything-but'] : [rule['anything-but']];
    return !excluded.includes(value);
  }
  if ('numeric' in rule) return matchesNumeric(value, rule.numeric as unknown[]);
  return false;
}

function matchesNode(data: unknown, pattern: Record<string, unknown>): boolean {
  for (const [field, rule] of Object.entries(pattern)) {
    const container =
      data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : undefined;
    const present = container !== undefined && field in container;
    const value = container?.[field];
    if (Array.isArray(rule)) {
      // An array field matches when any of its elements matches (EventBridge semantics).
      const values = Array.isArray(value) ? value : [value];
      if (
        !rule.some((alternative) =>
          values.some((candidate) => matchesAlternative(candidate, present, alternative)),
        )
      ) {
        return false;
      }
    } else if (rule !== null && typeof rule === 'object') {
      if (!matchesNode(value, rule as Record<string, unknown>)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/** True when the record passes the mapping's filters (no filters: everything passes). */
export function passesFilters(patterns: readonly unknown[], value: Buffer | null): boolean {
  if (patterns.length === 0) return true;
  let data: unknown;
  try {
    data = value === null ? null : JSON.parse(value.toString('utf8'));
  } catch {
    // Not documented for Kafka: a value that is not JSON cannot match a pattern on its fields.
    return false;
  }
  return patterns.some((pattern) => matchesNode({ value: data }, pattern as Record<string, unknown>));
}
