import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/plan/min-heap.js';

describe('MinHeap', () => {
  it('pops every pushed item in the order Array.prototype.sort gives, whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.string())), (items) => {
        const compare = (a: [number, string], b: [number, string]): number => a[0] - b[0] || a[1].localeCompare(b[1]);
        const heap = new MinHeap(compare);
        for (const item of items) heap.push(item);
        expect(heap.size).toBe(items.length);
        const popped: [number, string][] = [];
        for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item);
        expect(popped).toEqual([...items].sort(compare));
      }),
    );
  });

  it('interleaved pushes and pops always give the smallest item held', () => {
    const heap = new MinHeap<number>((a, b) => a - b);
    heap.push(5);
    heap.push(1);
    expect(heap.pop()).toBe(1);
    heap.push(3);
    heap.push(4);
    expect(heap.pop()).toBe(3);
    expect(heap.pop()).toBe(4);
    expect(heap.pop()).toBe(5);
    expect(heap.pop()).toBeUndefined();
  });
});
