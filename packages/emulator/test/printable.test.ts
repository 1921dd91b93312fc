import { describe, expect, it } from 'vitest';
import { printable } from '../src/dlq/printable.js';

describe('printable (what the dead-letter tool prints of a letter)', () => {
  it('escapes terminal escape sequences, C1 controls and bidirectional overrides, and keeps other text', () => {
    // An OSC title rewrite, a cursor move, a C1 CSI, and a right-to-left override ("Trojan Source")
    const hostile = 'key\u001b]0;owned\u0007 \u001b[2A\u009b31m \u202eevil\u202c ünïcødé 注文';

    expect(printable(hostile)).toBe(
      'key\\u001b]0;owned\\u0007 \\u001b[2A\\u009b31m \\u202eevil\\u202c ünïcødé 注文',
    );
  });
});
