/**
 * Frames an admitted member can throw at the relay: random bytes, truncated and corrupted sync messages,
 * degenerate Yjs updates (a zero-length struct, structs whose dependencies never arrive), a truncated state
 * vector, garbage awareness. Content only ever goes to the root type `fuzz`, never to the text the
 * legitimate editor types (`source`), so whatever the relay accepts cannot change what it must preserve.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MessageTag } from '@enclave/shared';
import { randomInt } from '../support/seeded-random.js';

export interface FuzzFrame {
  readonly kind: string;
  /** A text frame instead of a binary one. */
  readonly bytes: Uint8Array | string;
  /** Whether the relay may well close the connection on it (the fuzzer then probes before going on). */
  readonly suspect: boolean;
}

const SYNC_STEP1 = 0;
const SYNC_UPDATE = 2;

/** `00 02 07 01 01 76 00 00 00 00`: sync update of a 7-byte update whose one struct has length 0. */
export const ZERO_LENGTH_STRUCT_FRAME = Uint8Array.of(0x00, 0x02, 0x07, 0x01, 0x01, 0x76, 0x00, 0x00, 0x00, 0x00);
/** `00 00 01 80`: sync step 1 whose state vector is one byte, a varint cut short. */
export const TRUNCATED_STATE_VECTOR_FRAME = Uint8Array.of(0x00, 0x00, 0x01, 0x80);

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

const syncUpdate = (update: Uint8Array): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MessageTag.Sync);
    encoding.writeVarUint(e, SYNC_UPDATE);
    encoding.writeVarUint8Array(e, update);
  });

/**
 * One struct of `client` at `clock` whose left origin is `origin` (client, clock): an update Yjs cannot
 * integrate until structs that will never come arrive.
 */
function missingDependencyUpdate(client: number, clock: number, origin: [number, number]): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, 1); // one client
    encoding.writeVarUint(e, 1); // one struct
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
    encoding.writeUint8(e, 0x80 | 4); // an Item with a left origin, string content
    encoding.writeVarUint(e, origin[0]);
    encoding.writeVarUint(e, origin[1]);
    encoding.writeVarString(e, 'x');
    encoding.writeVarUint(e, 0); // empty delete set
  });
}

/** A zero-length GC struct of a random client at a random clock (the brief's frame, varied). */
function zeroLengthStruct(client: number, clock: number): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
    encoding.writeUint8(e, 0); // GC
    encoding.writeVarUint(e, 0); // of length 0
    encoding.writeVarUint(e, 0);
  });
}

const awarenessFrame = (entries: [number, number, string][]): Uint8Array =>
  frame((e) => {
    encoding.writeVarUint(e, MessageTag.Awareness);
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, entries.length);
    for (const [client, clock, json] of entries) {
      encoding.writeVarUint(inner, client);
      encoding.writeVarUint(inner, clock);
      encoding.writeVarString(inner, json);
    }
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  });

interface Kind {
  readonly weight: number;
  readonly suspect: boolean;
  make(random: () => number, source: FuzzSource): Uint8Array | string;
}

const bytes = (random: () => number, length: number): Uint8Array =>
  Uint8Array.from({ length }, () => randomInt(random, 256));
const u32 = (random: () => number): number => randomInt(random, 2 ** 32);

/** Valid updates to the `fuzz` root, made on a private doc, as raw material for truncation and corruption. */
export class FuzzSource {
  private readonly doc = new Y.Doc();
  private readonly map = this.doc.getMap<string>('fuzz');

  update(random: () => number): Uint8Array {
    let update: Uint8Array | undefined;
    const capture = (u: Uint8Array): void => void (update = u);
    this.doc.once('update', capture);
    this.map.set(`k${randomInt(random, 64)}`, 'v'.repeat(1 + randomInt(random, 40)));
    return update!;
  }
}

/** The fuzz mix; suspects are kept rare so that most frames reach a live connection. */
export const KINDS: Record<string, Kind> = {
  'zero-length struct (brief bytes)': { weight: 2, suspect: true, make: () => ZERO_LENGTH_STRUCT_FRAME },
  'zero-length struct (random client)': {
    weight: 8,
    suspect: true,
    make: (r) => syncUpdate(zeroLengthStruct(u32(r), randomInt(r, 4))),
  },
  'missing dependency (origin far ahead)': {
    weight: 6,
    suspect: false,
    make: (r) => syncUpdate(missingDependencyUpdate(u32(r), 0, [u32(r), 2 ** 30 + randomInt(r, 2 ** 20)])),
  },
  'missing dependency (clock far ahead)': {
    weight: 4,
    suspect: false,
    make: (r) => syncUpdate(missingDependencyUpdate(u32(r), 2 ** 30 + randomInt(r, 2 ** 20), [u32(r), 0])),
  },
  'valid update to another root': { weight: 10, suspect: false, make: (r, s) => syncUpdate(s.update(r)) },
  'truncated state vector': { weight: 1, suspect: true, make: () => TRUNCATED_STATE_VECTOR_FRAME },
  'sync step 1 (empty state vector)': {
    weight: 3,
    suspect: false,
    make: () => Uint8Array.of(MessageTag.Sync, SYNC_STEP1, 1, 0),
  },
  'awareness, garbage state': {
    weight: 20,
    suspect: false,
    make: (r) =>
      awarenessFrame([[u32(r), u32(r), JSON.stringify({ junk: Buffer.from(bytes(r, 12)).toString('hex') })]]),
  },
  'awareness, many entries': {
    weight: 4,
    suspect: true,
    make: (r) => awarenessFrame(Array.from({ length: 1 + randomInt(r, 100) }, () => [u32(r), u32(r), 'null'])),
  },
  'awareness, garbage bytes': {
    weight: 2,
    suspect: true,
    make: (r) =>
      frame((e) => {
        encoding.writeVarUint(e, MessageTag.Awareness);
        encoding.writeVarUint8Array(e, bytes(r, 1 + randomInt(r, 40)));
      }),
  },
  'query awareness': { weight: 10, suspect: false, make: () => Uint8Array.of(MessageTag.QueryAwareness) },
  'truncated sync update': {
    weight: 2,
    suspect: true,
    make: (r, s) => {
      const whole = syncUpdate(s.update(r));
      return whole.subarray(0, 1 + randomInt(r, whole.length - 1));
    },
  },
  'corrupted sync update': {
    weight: 3,
    suspect: true,
    make: (r, s) => {
      const update = s.update(r).slice();
      for (let flips = 1 + randomInt(r, 3); flips > 0; flips--)
        update[randomInt(r, update.length)]! ^= 1 << randomInt(r, 8);
      return syncUpdate(update);
    },
  },
  'random bytes': { weight: 1, suspect: true, make: (r) => bytes(r, 1 + randomInt(r, 64)) },
  'sync tag + random bytes': {
    weight: 1,
    suspect: true,
    make: (r) => Uint8Array.of(MessageTag.Sync, ...bytes(r, randomInt(r, 64))),
  },
  'empty frame': { weight: 0.3, suspect: true, make: () => new Uint8Array(0) },
  'text frame': { weight: 0.3, suspect: true, make: (r) => Buffer.from(bytes(r, 16)).toString('hex') },
  'control message, bad JSON': {
    weight: 0.4,
    suspect: true,
    make: () =>
      frame((e) => {
        encoding.writeVarUint(e, MessageTag.Enclave);
        encoding.writeVarString(e, '{"type":"request","id":');
      }),
  },
};

/** Draws frames from KINDS by weight, reproducibly from `random`. */
export class FuzzFrames {
  private readonly names = Object.keys(KINDS);
  private readonly cumulative: number[] = [];
  private readonly total: number;
  private readonly source = new FuzzSource();

  constructor(private readonly random: () => number) {
    let sum = 0;
    for (const name of this.names) this.cumulative.push((sum += KINDS[name]!.weight));
    this.total = sum;
  }

  next(): FuzzFrame {
    const pick = this.random() * this.total;
    let index = this.cumulative.findIndex((c) => pick < c);
    if (index < 0) index = this.names.length - 1;
    const kind = this.names[index]!;
    const spec = KINDS[kind]!;
    return { kind, bytes: spec.make(this.random, this.source), suspect: spec.suspect };
  }
}
