/** Bidirectional-text controls: they reorder what a terminal shows (CVE-2021-42574, "Trojan Source"). */
const BIDI_CONTROLS = new Set([
  0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);

/**
 * Text from a dead letter as a terminal may print it: C0 and C1 control characters (escape sequences
 * that move the cursor, rewrite the title or hide lines) and bidirectional controls become `\uXXXX`.
 * A letter's key, headers and error message are written by whoever could produce to its topic.
 *
 * @param text - text from a record (key, header, message)
 * @example
 * ```ts
 * printable('caf\u00e9\u0000\u001b[31m'); // 'café\\u0000\\u001b[31m': control characters shown, never run by the terminal
 * ```
 */
export function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || BIDI_CONTROLS.has(code);
    out += control ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}
