/**
 * The CLI's pins of sealed spaces' membership chains (shared's ChainPins): one JSON file beside the identity
 * file (`<identity>.chains.json`), so the root and length this identity verified once hold for every later
 * command. Not secret (public keys and hashes), but written for its owner only like the identity.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ChainPin, ChainPins } from '@enclave/shared';

export class FileChainPins implements ChainPins {
  constructor(readonly file: string) {}

  get(relayId: string, space: string): ChainPin | undefined {
    return this.read()[`${relayId} ${space}`];
  }

  set(relayId: string, space: string, pin: ChainPin): void {
    const all = this.read();
    all[`${relayId} ${space}`] = pin;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  private read(): Record<string, ChainPin> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    // A damaged file must not silently drop pins (that would trust the relay anew): say so.
    try {
      return JSON.parse(text) as Record<string, ChainPin>;
    } catch {
      throw new Error(`${this.file} is not valid JSON: fix or remove it (removing trusts the relay's chains anew)`);
    }
  }
}
