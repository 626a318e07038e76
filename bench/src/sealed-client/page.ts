/**
 * The browser side of `npm run bench:sealed-client`: bundled with shared's sealed code (webpack, by run.ts)
 * and loaded from a loopback page, it fetches the workload and measures it as Node does.
 */
import { type Cost, measureSealedCosts } from './measure.js';
import { decodeWorkload } from './workload.js';

declare global {
  interface Window {
    measureSealedCosts(runs: number): Promise<Cost[]>;
  }
}

window.measureSealedCosts = async (runs: number): Promise<Cost[]> => {
  const response = await fetch('/workload.bin');
  if (!response.ok) throw new Error(`workload: HTTP ${response.status}`);
  return measureSealedCosts(decodeWorkload(new Uint8Array(await response.arrayBuffer())), { runs });
};
