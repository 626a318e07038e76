import assert from 'node:assert/strict';
import { drivePath, parseLocation, resolveTarget, roomOf, stripDrive } from '../../src/drive/enclave-path.js';

describe('Enclave drive paths', () => {
  it('round-trips relay/space/document through the drive path', () => {
    const location = { relay: 'team', space: 'lab', document: 'analysis.ipynb' };
    assert.equal(drivePath(location), 'Enclave:team/lab/analysis.ipynb');
    assert.deepEqual(parseLocation(drivePath(location)), location);
    assert.deepEqual(roomOf(location), { space: 'lab', document: 'analysis.ipynb' });
    assert.equal(stripDrive('Enclave:a/b'), 'a/b');
  });

  it('parses a space as a folder and rejects other shapes', () => {
    assert.deepEqual(parseLocation('team/lab'), { relay: 'team', space: 'lab' });
    assert.throws(() => parseLocation('team'), /RELAY\/SPACE\/DOCUMENT/);
    assert.throws(() => parseLocation('team/lab/a/b'), /RELAY\/SPACE\/DOCUMENT/);
    assert.throws(() => parseLocation('team/../x'), /invalid space name/);
  });

  it('resolves what a person types, with the relay implied when only one is configured', () => {
    assert.deepEqual(resolveTarget(' lab/notes.md ', ['team']), { relay: 'team', space: 'lab', document: 'notes.md' });
    assert.deepEqual(resolveTarget('b/lab/notes.md', ['a', 'b']), { relay: 'b', space: 'lab', document: 'notes.md' });
    assert.throws(() => resolveTarget('lab/notes.md', ['a', 'b']), /no relay named "lab"/);
  });
});
