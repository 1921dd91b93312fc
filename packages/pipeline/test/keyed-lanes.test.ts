import { describe, expect, it } from 'vitest';
import { KeyedLanes } from '../src/index.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedLanes', () => {
  it('runs a key’s items one at a time in push order, keys side by side, never more than the limit', async () => {
    // Prepare: uneven step times (a plain pool of 3 would then run two items of one key at once)
    const ran: string[] = [];
    const inFlight = new Map<string, number>();
    let mostOfOneKey = 0;
    let running = 0;
    let mostRunning = 0;
    const lanes = new KeyedLanes<string>(3, async (item) => {
      const key = item.split(':')[0] ?? '';
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      mostOfOneKey = Math.max(mostOfOneKey, inFlight.get(key) ?? 0);
      running++;
      mostRunning = Math.max(mostRunning, running);
      const index = Number(item.split(':')[1]);
      for (let step = 0; step < (index * 7) % 5; step++) await tick();
      ran.push(item);
      running--;
      inFlight.set(key, (inFlight.get(key) ?? 0) - 1);
      return true;
    });

    // Act: items arrive while the first ones already run; two keys carry most of them
    for (let index = 0; index < 4; index++) lanes.push(`k${index % 4}`, `k${index % 4}:${index}`);
    await tick();
    for (let index = 4; index < 40; index++) {
      const key = index % 3 === 0 ? 'k0' : `k${index % 4}`;
      lanes.push(key, `${key}:${index}`);
    }
    await lanes.close();

    // Assess
    expect(ran).toHaveLength(40);
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const order = ran
        .filter((item) => item.startsWith(`${key}:`))
        .map((item) => Number(item.split(':')[1]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(mostOfOneKey).toBe(1);
    expect(mostRunning).toBe(3);
  });

  it('starts an item pushed after a lane went idle, and close waits for it', async () => {
    // Prepare
    const ran: number[] = [];
    const lanes = new KeyedLanes<number>(2, async (item) => {
      await tick();
      ran.push(item);
      return true;
    });
    lanes.push('a', 1);
    await tick();
    await tick();

    // Act
    lanes.push('a', 2);
    await lanes.close();

    // Assess
    expect(ran).toEqual([1, 2]);
  });

  it('drops the rest of a key once a step returns false, also what is pushed later; other keys go on', async () => {
    // Prepare
    const ran: string[] = [];
    const lanes = new KeyedLanes<string>(4, async (item) => {
      await tick();
      ran.push(item);
      return item !== 'a2';
    });

    // Act
    for (const item of ['a1', 'b1', 'a2', 'b2', 'a3']) lanes.push(item[0] as string, item);
    await tick();
    await tick();
    await tick();
    lanes.push('a', 'a4');
    lanes.push('b', 'b3');
    await lanes.close();

    // Assess
    expect(ran.filter((item) => item.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(ran.filter((item) => item.startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
  });

  it('closes at once when nothing was pushed', async () => {
    const lanes = new KeyedLanes<number>(2, async () => true);
    await expect(lanes.close()).resolves.toBeUndefined();
  });
});
