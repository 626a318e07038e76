/** A small seeded PRNG (mulberry32), so a failing random test can be replayed from its seed. */
export class Random {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  word(): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz \n\u00e9\u4e2d';
    let result = '';
    for (let i = 1 + this.int(4); i > 0; i--) result += alphabet[this.int(alphabet.length)];
    return result;
  }
}
