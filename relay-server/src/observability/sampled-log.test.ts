import assert from 'node:assert/strict';
import { jsonLogger } from './logger.js';
import { SampledLog } from './sampled-log.js';

describe('sampled log', () => {
  it('writes a few lines in full and one summary counting the rest, by kind', () => {
    const lines: Record<string, unknown>[] = [];
    const log = new SampledLog(
      jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      'connections refused',
      5,
    );
    for (let i = 0; i < 1000; i++) log.log(i % 2 ? 'refused-4401' : 'refused-4403', 'handshake refused', { i });
    assert.equal(lines.length, 5, 'only the first lines of the interval');
    log.close();
    assert.equal(lines.length, 6);
    assert.deepEqual(lines[5]?.['notLogged'], { 'refused-4401': 498, 'refused-4403': 497 });
    assert.equal(lines[5]?.['message'], 'connections refused: 995 more, not logged one by one');
    log.log('refused-4401', 'handshake refused', {});
    assert.equal(lines.length, 7, 'a new interval writes in full again');
    log.close();
    assert.equal(lines.length, 7, 'no summary when nothing was held back');
  });
});
