/**
 * What a notebook binding needs from an editor's notebook. `C` is the editor's cell handle (VS Code's
 * NotebookCell): the same object for as long as the editor shows that cell, including across moves.
 * As with text, the editor's own change events for an applied edit arrive before the edit resolves.
 */
import type { CellData, JsonObject } from '../notebook/cell-data.js';
import type { TextPort } from './text-port.js';

export interface NotebookPort<C> {
  cells(): readonly C[];
  /** The cell's current content in the editor. */
  cellData(cell: C): CellData;
  /** The cell's text document. */
  textPort(cell: C): TextPort;
  /** The notebook's metadata (`{ nbformat, nbformat_minor, metadata }`). */
  metadata(): JsonObject;
  /** Replaces `deleteCount` cells at `start`; resolves false if the editor refused. */
  replaceCells(start: number, deleteCount: number, cells: readonly CellData[]): Promise<boolean>;
  setCellMetadata(index: number, metadata: JsonObject): Promise<boolean>;
  setMetadata(metadata: JsonObject): Promise<boolean>;
}

/** One change to the editor's list of cells, as VS Code reports it (each applied after the previous). */
export interface CellsChange<C> {
  readonly start: number;
  readonly removed: readonly C[];
  readonly added: readonly C[];
}
