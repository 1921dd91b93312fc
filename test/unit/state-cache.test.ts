import { describe, expect, it } from 'vitest';
import { StateCache } from '../../lib/store/state-cache.js';

describe('StateCache', () => {
  it('keeps the most recently used streams up to its capacity, evicting the least recently used', () => {
    // Prepare
    const cache = new StateCache<string>(2);
    cache.set('a', { state: 'a1', version: 1 });
    cache.set('b', { state: 'b1', version: 1 });

    // Act: reading a makes b the least recently used
    cache.get('a');
    cache.set('c', { state: 'c1', version: 1 });

    // Assess
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ state: 'a1', version: 1 });
    expect(cache.get('c')).toEqual({ state: 'c1', version: 1 });
  });

  it('replaces what it knew of a stream with the newer state', () => {
    const cache = new StateCache<string>(2);
    cache.set('a', { state: 'a1', version: 1 });
    cache.set('a', { state: 'a2', version: 2 });
    expect(cache.get('a')).toEqual({ state: 'a2', version: 2 });
    expect(cache.size).toBe(1);
  });
});
