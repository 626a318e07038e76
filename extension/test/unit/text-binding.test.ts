import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { TextBinding } from '../../src/binding/text-binding.js';
import { MemoryText } from '../support/memory-text.js';
import { Network } from '../support/network.js';
import { Random } from '../support/random.js';
import { drain, quiesce, settle, TaskQueue } from '../support/task-queue.js';

interface Replica {
  readonly doc: Y.Doc;
  readonly text: Y.Text;
  readonly editor: MemoryText;
  readonly binding: TextBinding;
}

function replica(queue: TaskQueue, errors: unknown[], initial = ''): Replica {
  const doc = new Y.Doc();
  const text = doc.getText('source');
  const editor = new MemoryText(initial, queue);
  const binding = new TextBinding(text, editor, {}, (error) => errors.push(error));
  editor.onChange = (changes) => binding.onEditorChanges(changes);
  return { doc, text, editor, binding };
}

describe('TextBinding', () => {
  it('shows remote text in the editor and sends local typing to the Y.Text', async () => {
    const queue = new TaskQueue();
    const errors: unknown[] = [];
    const a = replica(queue, errors);
    a.text.insert(0, 'hello');
    await drain(queue);
    assert.equal(a.editor.text, 'hello');
    a.editor.type({ offset: 5, deleteCount: 0, insert: ' world' });
    assert.equal(a.text.toString(), 'hello world', 'local typing reaches the Y.Text synchronously');
    await drain(queue);
    assert.equal(a.editor.appliedEdits, 1, 'no echo: the local change is not applied back');
    assert.deepEqual(errors, []);
  });

  it('keeps typing made while a remote edit is in flight, at the right place', async () => {
    const queue = new TaskQueue();
    const errors: unknown[] = [];
    const a = replica(queue, errors, '');
    a.text.insert(0, 'abcdef');
    await drain(queue);
    a.text.insert(0, 'REMOTE '); // queued for the editor, not yet shown
    await settle();
    assert.equal(queue.size, 1);
    a.editor.type({ offset: 6, deleteCount: 0, insert: '!' }); // typed at the end, before the remote edit lands
    await drain(queue);
    assert.equal(a.text.toString(), 'REMOTE abcdef!');
    assert.equal(a.editor.text, 'REMOTE abcdef!');
    assert.deepEqual(errors, []);
  });

  it('stops, with an error, when the editor rewrites what it is given instead of looping', async () => {
    const queue = new TaskQueue();
    const errors: unknown[] = [];
    const doc = new Y.Doc();
    const text = doc.getText('source');
    const editor = new MemoryText('', queue);
    const apply = editor.apply.bind(editor);
    // Like VS Code, which makes a document's line ends uniform.
    editor.apply = (change, version) => apply({ ...change, insert: change.insert.replace(/\r\n/g, '\n') }, version);
    const binding = new TextBinding(text, editor, {}, (error) => errors.push(error));
    editor.onChange = (changes) => binding.onEditorChanges(changes);
    text.insert(0, 'a\r\nb\n');
    await drain(queue);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /rewrote a remote change/);
    assert.equal(editor.appliedEdits, 1);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`converges under seeded random concurrent typing (seed ${seed})`, async () => {
      const random = new Random(seed);
      const queue = new TaskQueue();
      const errors: unknown[] = [];
      const replicas = [replica(queue, errors), replica(queue, errors), replica(queue, errors)];
      const network = new Network(replicas.map((r) => r.doc));
      for (let step = 0; step < 300; step++) {
        const roll = random.next();
        if (roll < 0.45) {
          const { editor } = random.pick(replicas);
          const offset = random.int(editor.text.length + 1);
          const deleteCount = random.chance(0.3) ? random.int(Math.min(4, editor.text.length - offset) + 1) : 0;
          editor.type({ offset, deleteCount, insert: random.chance(0.8) ? random.word() : '' });
        } else if (roll < 0.75) {
          network.deliverOne(random);
        } else {
          queue.runOne(random);
        }
        await settle();
      }
      await quiesce(network, queue, random);
      const expected = replicas[0]!.text.toString();
      for (const r of replicas) {
        assert.equal(r.text.toString(), expected, 'Y.Texts converge');
        assert.equal(r.editor.text, expected, 'each editor shows the converged text');
      }
      assert.deepEqual(errors, []);
    });
  }
});
