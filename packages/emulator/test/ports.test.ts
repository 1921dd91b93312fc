import { describe, expect, it } from 'vitest';
import { twoFreePorts } from '../src/infra/ports.js';

describe('twoFreePorts', () => {
  it('never gives the broker the same port for its listener and its controller', async () => {
    // Act: many pairs (the same port twice was one way a broker start failed with BindException)
    const pairs = await Promise.all(Array.from({ length: 50 }, () => twoFreePorts()));

    // Assess
    expect(pairs.filter(([first, second]) => first === second)).toEqual([]);
    expect(pairs.flat().every((port) => port > 0 && port < 65_536)).toBe(true);
  });
});
