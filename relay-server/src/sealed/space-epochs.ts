/**
 * The current epoch of each sealed space, as the relay enforces it: writes sealed under an older epoch
 * are refused once a newer one exists. Read from storage once per space, then kept current by the relay's
 * own rotations (keys.rotate), which also tell the space's connections to fetch the new key.
 */
import type { Storage } from '../storage/storage.js';

export class SpaceEpochs {
  private readonly known = new Map<string, number>();
  private readonly listeners = new Set<(space: string, epoch: number) => void>();

  constructor(private readonly storage: Storage) {}

  async current(space: string): Promise<number> {
    let epoch = this.known.get(space);
    if (epoch === undefined) {
      epoch = await this.storage.currentEpoch(space);
      this.known.set(space, Math.max(epoch, this.known.get(space) ?? 0));
    }
    return this.known.get(space)!;
  }

  /** The epoch known now, if it was read: the hot path checks appends against it without a promise. */
  peek(space: string): number | undefined {
    return this.known.get(space);
  }

  /** A rotation was stored. */
  rotated(space: string, epoch: number): void {
    if ((this.known.get(space) ?? 0) >= epoch) return;
    this.known.set(space, epoch);
    for (const listener of this.listeners) listener(space, epoch);
  }

  onRotated(listener: (space: string, epoch: number) => void): void {
    this.listeners.add(listener);
  }
}
