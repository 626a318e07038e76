/**
 * An in-memory notebook editor with VS Code's semantics (see memory-text.ts): cells are stable handles,
 * a move is reported as a removal and an insertion of the same handle, a kind change replaces the cell,
 * applied edits happen later and report their change before they resolve. Unit tests only.
 */
import type { CellsChange, NotebookPort } from '../../src/binding/notebook-port.js';
import type { TextChange } from '../../src/binding/text-change.js';
import {
  type CellData,
  CellKind,
  type JsonObject,
  type NotebookDataLike,
  type OutputData,
} from '../../src/notebook/cell-data.js';
import { MemoryText } from './memory-text.js';
import type { TaskQueue } from './task-queue.js';

export class MemoryCell {
  constructor(
    public kind: CellKind,
    public languageId: string,
    public metadata: JsonObject,
    public outputs: readonly OutputData[],
    public executionOrder: number | undefined,
    readonly document: MemoryText,
  ) {}
}

export interface NotebookListener {
  cells(changes: readonly CellsChange<MemoryCell>[]): void;
  cell(cell: MemoryCell, change: { metadata?: boolean; executionCount?: boolean; outputs?: boolean }): void;
  text(cell: MemoryCell, changes: readonly TextChange[]): void;
  metadata(): void;
}

export class MemoryNotebook implements NotebookPort<MemoryCell> {
  private list: MemoryCell[] = [];
  private meta: JsonObject;
  listener: NotebookListener | undefined;

  constructor(
    data: NotebookDataLike,
    private readonly queue: TaskQueue,
  ) {
    this.meta = structuredClone(data.metadata);
    this.list = data.cells.map((cell) => this.create(cell));
  }

  // ------------------------------------------------------------------ NotebookPort

  cells(): readonly MemoryCell[] {
    return this.list;
  }

  cellData(cell: MemoryCell): CellData {
    return {
      kind: cell.kind,
      value: cell.document.text,
      languageId: cell.languageId,
      metadata: cell.metadata,
      outputs: cell.outputs,
      executionSummary: cell.executionOrder === undefined ? {} : { executionOrder: cell.executionOrder },
    };
  }

  textPort(cell: MemoryCell): MemoryText {
    return cell.document;
  }

  metadata(): JsonObject {
    return this.meta;
  }

  replaceCells(start: number, deleteCount: number, cells: readonly CellData[]): Promise<boolean> {
    return this.queue.later(() => {
      if (start + deleteCount > this.list.length) return false;
      this.replace(start, deleteCount, cells);
      return true;
    });
  }

  setCellMetadata(index: number, metadata: JsonObject): Promise<boolean> {
    return this.queue.later(() => {
      const cell = this.list[index];
      if (!cell) return false;
      this.setCellMetadataNow(cell, metadata);
      return true;
    });
  }

  setMetadata(metadata: JsonObject): Promise<boolean> {
    return this.queue.later(() => {
      this.meta = structuredClone(metadata);
      this.listener?.metadata();
      return true;
    });
  }

  // ------------------------------------------------------------------ what a person does

  insert(index: number, cell: CellData): MemoryCell {
    return this.replace(index, 0, [cell])[0]!;
  }

  delete(index: number): void {
    this.replace(index, 1, []);
  }

  move(from: number, to: number): void {
    const [cell] = this.list.splice(from, 1);
    this.list.splice(to, 0, cell!);
    this.listener?.cells([
      { start: from, removed: [cell!], added: [] },
      { start: to, removed: [], added: [cell!] },
    ]);
  }

  /** Turns a cell into markdown or back into code, as VS Code does: by replacing it. */
  toggleKind(index: number): void {
    const old = this.list[index]!;
    const markup = old.kind === CellKind.Code;
    this.replace(index, 1, [
      {
        kind: markup ? CellKind.Markup : CellKind.Code,
        value: old.document.text,
        languageId: markup ? 'markdown' : 'python',
        metadata: { metadata: (old.metadata['metadata'] as JsonObject | undefined) ?? {} },
        outputs: [],
      },
    ]);
  }

  type(cell: MemoryCell, change: TextChange): void {
    cell.document.type(change);
  }

  setOutputs(cell: MemoryCell, outputs: readonly OutputData[]): void {
    cell.outputs = outputs;
    this.listener?.cell(cell, { outputs: true });
  }

  setCellMetadataNow(cell: MemoryCell, metadata: JsonObject): void {
    cell.metadata = structuredClone(metadata);
    this.listener?.cell(cell, { metadata: true });
  }

  /**
   * A run's execution summary, as VS Code reports it: cleared (undefined) when the run is queued, the count
   * when it ends. The cell's metadata is left as it was (VS Code for the web has no ipynb support to sync it).
   */
  setExecutionOrder(cell: MemoryCell, order: number | undefined): void {
    cell.executionOrder = order;
    this.listener?.cell(cell, { executionCount: true });
  }

  setNotebookMetadataNow(metadata: JsonObject): void {
    this.meta = structuredClone(metadata);
    this.listener?.metadata();
  }

  // ------------------------------------------------------------------ internals

  private replace(start: number, deleteCount: number, cells: readonly CellData[]): MemoryCell[] {
    const added = cells.map((cell) => this.create(cell));
    const removed = this.list.splice(start, deleteCount, ...added);
    this.listener?.cells([{ start, removed, added }]);
    return added;
  }

  private create(data: CellData): MemoryCell {
    const document = new MemoryText(data.value, this.queue);
    const cell = new MemoryCell(
      data.kind,
      data.languageId,
      structuredClone(data.metadata),
      data.outputs,
      data.executionSummary?.executionOrder,
      document,
    );
    document.onChange = (changes) => this.listener?.text(cell, changes);
    return cell;
  }
}
