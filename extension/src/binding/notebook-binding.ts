/**
 * Keeps a YNotebook and an editor's notebook equal in both directions: the list of cells (insert, delete,
 * move, kind change), each cell's source character by character (a TextBinding per cell), cell metadata,
 * outputs and execution counts, and the notebook's metadata.
 *
 * Editor -> shared: synchronously, inside the editor's events, so the shared notebook never lags.
 * Shared -> editor: one serial push at a time (Flusher), computed from state rather than replayed from
 * events, so bursts of remote changes fold into few editor edits. Our own edits' echoes are recognised.
 */
import type { YCellType, YNotebook } from '@jupyter/ydoc';
import type * as nbformat from '@jupyterlab/nbformat';
import * as Y from 'yjs';
import { insertNotebookCells, withoutPrematureAccessWarnings } from '@enclave/shared';
import type { CellData, JsonObject } from '../notebook/cell-data.js';
import { cellFromJupyter, cellToJupyter, editorCellMetadata, preferredLanguage } from '../notebook/cells.js';
import { jsonEqual } from '../notebook/json-equal.js';
import { Flusher } from './flusher.js';
import { longestIncreasingSubsequence } from './longest-increasing.js';
import { replaceMetadata } from './metadata.js';
import { cellDiffers, writeEditorCell } from './shared-cell.js';
import type { CellsChange, NotebookPort } from './notebook-port.js';
import { TextBinding } from './text-binding.js';
import type { TextChange } from './text-change.js';

interface Entry<C> {
  ymodel: Y.Map<unknown>;
  cell: C | undefined;
  text: TextBinding | undefined;
  /** Outputs or execution count changed remotely: the editor cell is replaced (VS Code has no edit for them). */
  outputsDirty: boolean;
  metadataDirty: boolean;
  /** Editor metadata we asked the editor to set, to recognise its echo. */
  sentMetadata: JsonObject | undefined;
}

interface PendingReplace {
  readonly start: number;
  readonly deleteCount: number;
  readonly ymodels: readonly Y.Map<unknown>[];
  echoed: boolean;
}

export interface NotebookBindingOptions<C> {
  readonly notebook: YNotebook;
  readonly port: NotebookPort<C>;
  /**
   * The shared cell each editor cell showed when the editor was filled (same order as `port.cells()`):
   * the snapshot the editor was built from. Later shared changes are pushed on attach.
   */
  readonly initial: readonly Y.Map<unknown>[];
  readonly onError: (error: unknown) => void;
}

export class NotebookBinding<C> {
  /** Transaction origin of everything this binding writes into the shared notebook. */
  readonly origin = {};
  private readonly notebook: YNotebook;
  private readonly port: NotebookPort<C>;
  private readonly ycells: Y.Array<Y.Map<unknown>>;
  private readonly entries = new Map<Y.Map<unknown>, Entry<C>>();
  private readonly byCell = new Map<C, Entry<C>>();
  /** Editor cells we added by mistake (see onEditorCells); removed by the next push. */
  private readonly strays = new Set<C>();
  private readonly flusher: Flusher;
  private pending: PendingReplace | undefined;
  private structureDirty = false;
  private metadataDirty = false;
  private sentNotebookMetadata: JsonObject | undefined;
  private disposed = false;
  private viewOnly = false;
  /** Called when a local change was undone because the binding is read-only. */
  onRejectedEdit: (() => void) | undefined;

  constructor(private readonly options: NotebookBindingOptions<C>) {
    this.notebook = options.notebook;
    this.port = options.port;
    this.ycells = this.notebook.ydoc.getArray('cells');
    this.flusher = new Flusher(() => this.push(), options.onError);
    const cells = this.port.cells();
    if (cells.length !== options.initial.length) throw new Error('the editor does not show the given snapshot');
    cells.forEach((cell, i) => this.bind(cell, options.initial[i]!));
    this.ycells.observe(this.onYCells);
    this.ycells.observeDeep(this.onYCellContent);
    this.notebook.ymeta.observeDeep(this.onYMeta);
    // Whatever changed between the snapshot and now.
    this.structureDirty = true;
    this.metadataDirty = true;
    for (const entry of this.entries.values()) entry.metadataDirty = entry.outputsDirty = this.cellDiffers(entry);
    void this.flusher.request();
  }

  /** Resolves once the editor shows the shared notebook as of the call (or later). */
  async whenIdle(): Promise<void> {
    for (;;) {
      await this.flusher.idle();
      await Promise.all([...this.entries.values()].map((e) => e.text?.whenIdle()));
      if (!this.flusher.busy) return;
    }
  }

  /** The shared cell (Y.Map) an editor cell is bound to. */
  sharedCellOf(cell: C): Y.Map<unknown> | undefined {
    return this.byCell.get(cell)?.ymodel;
  }

  /** The editor cell that shows a shared cell, once the editor has it. */
  editorCellOf(ymodel: Y.Map<unknown>): C | undefined {
    return this.entries.get(ymodel)?.cell;
  }

  /** When set, local changes are not shared but undone: the editor is brought back to the shared notebook. */
  get readOnly(): boolean {
    return this.viewOnly;
  }

  set readOnly(value: boolean) {
    this.viewOnly = value;
    for (const entry of this.entries.values()) if (entry.text) entry.text.readOnly = value;
  }

  // ------------------------------------------------------------------ editor -> shared

  /** The editor's list of cells changed (VS Code's `contentChanges`). */
  onEditorCells(changes: readonly CellsChange<C>[]): void {
    if (this.disposed) return;
    const pending = this.pending;
    const only = changes.length === 1 ? changes[0] : undefined;
    if (
      pending &&
      !pending.echoed &&
      only &&
      only.start === pending.start &&
      only.removed.length === pending.deleteCount &&
      only.added.length === pending.ymodels.length
    ) {
      pending.echoed = true;
      for (const cell of only.removed) {
        const entry = this.byCell.get(cell);
        this.unbindCell(cell);
        this.strays.delete(cell);
        if (entry && !pending.ymodels.includes(entry.ymodel) && this.indexOf(entry.ymodel) < 0) this.forget(entry);
      }
      only.added.forEach((cell, i) => {
        const ymodel = pending.ymodels[i]!;
        // If the editor applied our edit at positions a local edit had shifted, a cell we meant to
        // replace may still be shown: the added copy is then a stray that the next push removes.
        if (this.entries.get(ymodel)?.cell !== undefined) this.strays.add(cell);
        else this.bind(cell, ymodel);
      });
      if (this.strays.size > 0) {
        this.structureDirty = true;
        void this.flusher.request();
      }
      return;
    }
    if (this.viewOnly) this.revertEditorStructure();
    else this.takeEditorStructure();
  }

  /** Read-only: cells the editor added are strays to remove, cells it removed are shown again. */
  private revertEditorStructure(): void {
    this.onRejectedEdit?.();
    const cells = new Set(this.port.cells());
    for (const cell of cells) if (!this.byCell.has(cell)) this.strays.add(cell);
    for (const cell of [...this.byCell.keys()]) if (!cells.has(cell)) this.unbindCell(cell);
    this.structureDirty = true;
    void this.flusher.request();
  }

  /** A cell's metadata, execution count or outputs changed in the editor (VS Code's `cellChanges`). */
  onEditorCell(
    cell: C,
    change: { readonly metadata?: boolean; readonly executionCount?: boolean; readonly outputs?: boolean },
  ): void {
    const entry = this.byCell.get(cell);
    if (this.disposed || !entry) return;
    const ycell = this.ycellOf(entry);
    if (!ycell) return;
    if (this.viewOnly) {
      this.onRejectedEdit?.();
      if (change.metadata || change.executionCount) entry.metadataDirty = true;
      if (change.outputs) entry.outputsDirty = true;
      void this.flusher.request();
      return;
    }
    const data = this.port.cellData(cell);
    if (change.metadata && entry.sentMetadata && jsonEqual(data.metadata, entry.sentMetadata)) {
      entry.sentMetadata = undefined;
      change = { ...change, metadata: false };
    }
    this.notebook.ydoc.transact(() => writeEditorCell(ycell, data, change), this.origin);
  }

  /** A cell's text changed in the editor. */
  onEditorText(cell: C, changes: readonly TextChange[]): void {
    this.byCell.get(cell)?.text?.onEditorChanges(changes);
  }

  /** The notebook's metadata changed in the editor. */
  onEditorMetadata(): void {
    if (this.disposed) return;
    const local = this.port.metadata();
    if (this.sentNotebookMetadata && jsonEqual(local, this.sentNotebookMetadata)) {
      this.sentNotebookMetadata = undefined;
      return;
    }
    // A viewer's notebook metadata is never shared, and it is not set back either: VS Code's ipynb support
    // rewrites it (e.g. adds language_info) after each of our edits, so setting it back would never end.
    if (this.viewOnly) return;
    const nb = this.notebook;
    nb.ydoc.transact(() => {
      if (typeof local['nbformat'] === 'number' && local['nbformat'] !== nb.nbformat) nb.nbformat = local['nbformat'];
      if (typeof local['nbformat_minor'] === 'number' && local['nbformat_minor'] !== nb.nbformat_minor) {
        nb.nbformat_minor = local['nbformat_minor'];
      }
      const metadata = (local['metadata'] as JsonObject | undefined) ?? {};
      if (!jsonEqual(metadata, nb.getMetadata())) replaceMetadata(nb, metadata);
    }, this.origin);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.flusher.dispose();
    this.ycells.unobserve(this.onYCells);
    this.ycells.unobserveDeep(this.onYCellContent);
    this.notebook.ymeta.unobserveDeep(this.onYMeta);
    for (const entry of this.entries.values()) entry.text?.dispose();
    this.entries.clear();
    this.byCell.clear();
    this.strays.clear();
  }

  /**
   * Brings the editor's list of cells into the shared notebook: cells the editor no longer shows are
   * deleted, new ones inserted after their predecessor, and cells out of order (outside one longest run in
   * shared order) moved. Cells the shared side added and the editor does not show yet are left alone.
   */
  private takeEditorStructure(): void {
    const cells = this.port.cells().filter((cell) => !this.strays.has(cell));
    const present = new Set(cells);
    for (const stray of this.strays) if (!this.port.cells().includes(stray)) this.strays.delete(stray);
    const transact = (action: () => void): void => this.notebook.ydoc.transact(action, this.origin);
    withoutPrematureAccessWarnings(() =>
      transact(() => {
        for (const [cell, entry] of [...this.byCell]) {
          if (present.has(cell)) continue;
          this.unbindCell(cell);
          const index = this.indexOf(entry.ymodel);
          if (index >= 0) this.ycells.delete(index, 1);
          this.forget(entry);
        }
        const known = cells.map((cell) => this.byCell.get(cell));
        const sharedIndex = known.map((entry) => (entry ? this.indexOf(entry.ymodel) : -1));
        const positions = sharedIndex.flatMap((index, i) => (index >= 0 ? [i] : []));
        const stable = longestIncreasingSubsequence(positions.map((i) => sharedIndex[i]!));
        const keep = new Set([...stable].map((k) => positions[k]!));
        let previous = -1; // shared index of the previous editor cell
        cells.forEach((cell, i) => {
          const entry = known[i];
          if (!entry) {
            const data = this.port.cellData(cell);
            const [ycell] = insertNotebookCells(this.notebook, previous + 1, [cellToJupyter(data)]);
            previous += 1;
            this.bind(cell, ycell!.ymodel);
            return;
          }
          const index = this.indexOf(entry.ymodel);
          if (index < 0) return; // deleted on the shared side; the next push removes it from the editor
          if (keep.has(i) || index === previous + 1) {
            previous = index;
            return;
          }
          // Moved: like YNotebook.moveCell, by re-inserting a copy (the cell gets a new shared identity).
          // YNotebook.cells is only updated when the transaction ends, so the copy is made from the entry's
          // own cell model and positions come from the Y.Array itself.
          const copy = this.ycellOf(entry)?.toJSON();
          if (!copy) return;
          const target = index < previous ? previous : previous + 1;
          this.ycells.delete(index, 1);
          const [moved] = insertNotebookCells(this.notebook, target, [copy as nbformat.ICell]);
          this.unbindCell(cell);
          this.forget(entry);
          this.bind(cell, moved!.ymodel);
          previous = target;
        });
      }),
    );
  }

  // ------------------------------------------------------------------ shared -> editor

  private readonly onYCells = (_event: Y.YArrayEvent<Y.Map<unknown>>, transaction: Y.Transaction): void => {
    if (transaction.origin === this.origin) return;
    this.structureDirty = true;
    void this.flusher.request();
  };

  private readonly onYCellContent = (events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction): void => {
    if (transaction.origin === this.origin) return;
    let dirty = false;
    for (const event of events) {
      if (event.target === this.ycells) continue;
      const [index, key] = event.path as [number, string | undefined];
      const keys = key === undefined ? [...(event as Y.YMapEvent<unknown>).keysChanged] : [key];
      const ymodel = this.ycells.get(index);
      const entry = ymodel && this.entries.get(ymodel);
      if (!entry) continue;
      for (const changed of keys) {
        if (changed === 'source') continue; // the cell's TextBinding
        if (changed === 'outputs' || changed === 'execution_count') entry.outputsDirty = true;
        else entry.metadataDirty = true;
        dirty = true;
      }
    }
    if (dirty) void this.flusher.request();
  };

  private readonly onYMeta = (_events: unknown, transaction: Y.Transaction): void => {
    if (transaction.origin === this.origin) return;
    this.metadataDirty = true;
    void this.flusher.request();
  };

  private async push(): Promise<void> {
    while (!this.disposed && this.structureDirty) {
      this.structureDirty = false;
      await this.pushStructure();
    }
    for (const entry of [...this.entries.values()]) {
      if (this.disposed) return;
      if (this.structureDirty) break; // the structure changed meanwhile: start over
      if (this.indexOf(entry.ymodel) < 0) continue;
      if (entry.outputsDirty && entry.cell !== undefined) {
        entry.outputsDirty = entry.metadataDirty = false;
        const index = this.port.cells().indexOf(entry.cell);
        if (index >= 0) await this.replace(index, 1, [entry.ymodel]);
      } else if (entry.metadataDirty && entry.cell !== undefined) {
        entry.metadataDirty = false;
        await this.pushCellMetadata(entry);
      }
    }
    if (this.structureDirty) {
      void this.flusher.request();
      return;
    }
    if (this.metadataDirty && !this.disposed) {
      this.metadataDirty = false;
      const nb = this.notebook;
      const wanted = {
        ...this.port.metadata(),
        nbformat: nb.nbformat,
        nbformat_minor: nb.nbformat_minor,
        metadata: nb.getMetadata(),
      };
      if (!jsonEqual(wanted, this.port.metadata())) {
        this.sentNotebookMetadata = wanted;
        if (!(await this.port.setMetadata(wanted))) this.sentNotebookMetadata = undefined;
      }
    }
  }

  /** One editor edit replacing the part of the editor's cell list that differs from the shared list. */
  private async pushStructure(): Promise<void> {
    for (;;) {
      if (this.disposed) return;
      if (this.port.cells().some((cell) => !this.byCell.has(cell) && !this.strays.has(cell))) {
        if (this.viewOnly) this.revertEditorStructure();
        else this.takeEditorStructure();
      }
      const desired: readonly unknown[] = this.ycells.toArray();
      const current: readonly unknown[] = this.port.cells().map((cell) => this.byCell.get(cell)?.ymodel ?? STRAY);
      let start = 0;
      while (start < desired.length && start < current.length && desired[start] === current[start]) start++;
      let end = 0;
      while (
        end < desired.length - start &&
        end < current.length - start &&
        desired[desired.length - 1 - end] === current[current.length - 1 - end]
      ) {
        end++;
      }
      const deleteCount = current.length - start - end;
      const inserted = this.ycells.toArray().slice(start, desired.length - end);
      if (deleteCount === 0 && inserted.length === 0) return;
      if (await this.replace(start, deleteCount, inserted)) return;
    }
  }

  private async replace(start: number, deleteCount: number, ymodels: readonly Y.Map<unknown>[]): Promise<boolean> {
    const language = preferredLanguage(this.notebook.getMetadata() as JsonObject);
    const data = ymodels.map((ymodel) => this.cellDataOf(ymodel, language));
    const pending: PendingReplace = { start, deleteCount, ymodels, echoed: false };
    this.pending = pending;
    try {
      return await this.port.replaceCells(start, deleteCount, data);
    } finally {
      this.pending = undefined;
    }
  }

  private async pushCellMetadata(entry: Entry<C>): Promise<void> {
    const ycell = this.ycellOf(entry);
    if (!ycell || entry.cell === undefined) return;
    const wanted = editorCellMetadata(ycell.toJSON() as nbformat.ICell);
    const current = this.port.cellData(entry.cell).metadata;
    if (jsonEqual(wanted, current)) return;
    const index = this.port.cells().indexOf(entry.cell);
    if (index < 0) return;
    entry.sentMetadata = wanted;
    if (!(await this.port.setCellMetadata(index, wanted))) entry.sentMetadata = undefined;
  }

  // ------------------------------------------------------------------ bookkeeping

  private bind(cell: C, ymodel: Y.Map<unknown>): void {
    let entry = this.entries.get(ymodel);
    if (!entry) {
      entry = {
        ymodel,
        cell: undefined,
        text: undefined,
        outputsDirty: false,
        metadataDirty: false,
        sentMetadata: undefined,
      };
      this.entries.set(ymodel, entry);
    }
    if (entry.cell !== undefined) this.unbindCell(entry.cell);
    entry.cell = cell;
    this.byCell.set(cell, entry);
    const source = ymodel.get('source');
    if (source instanceof Y.Text) {
      entry.text = new TextBinding(source, this.port.textPort(cell), this.origin, this.options.onError);
      entry.text.readOnly = this.viewOnly;
      entry.text.onRejectedEdit = () => this.onRejectedEdit?.();
    }
  }

  private unbindCell(cell: C): void {
    const entry = this.byCell.get(cell);
    if (!entry) return;
    this.byCell.delete(cell);
    entry.text?.dispose();
    entry.text = undefined;
    entry.cell = undefined;
  }

  private forget(entry: Entry<C>): void {
    this.entries.delete(entry.ymodel);
  }

  /** The cell's position in the Y.Array (current even inside a transaction, unlike YNotebook.cells). */
  private indexOf(ymodel: Y.Map<unknown>): number {
    return this.ycells.toArray().indexOf(ymodel);
  }

  private ycellOf(entry: Entry<C>): YCellType | undefined {
    return this.notebook.cells.find((cell) => cell.ymodel === entry.ymodel);
  }

  private cellDataOf(ymodel: Y.Map<unknown>, language: string): CellData {
    const ycell = this.notebook.cells.find((cell) => cell.ymodel === ymodel);
    if (!ycell) throw new Error('a cell to show is no longer in the shared notebook');
    return cellFromJupyter(ycell.toJSON() as nbformat.ICell, language);
  }

  private cellDiffers(entry: Entry<C>): boolean {
    const ycell = this.ycellOf(entry);
    return ycell !== undefined && entry.cell !== undefined && cellDiffers(this.port.cellData(entry.cell), ycell);
  }
}

/** Stands for a stray editor cell in structure diffs: equal to no shared cell. */
const STRAY = Symbol('stray');
